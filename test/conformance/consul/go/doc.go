// Package consulconformance holds dcsgw's own Go tests of the Consul face.
package consulconformance
