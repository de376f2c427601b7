{{/* The release's name prefix: "<release>-dcsgw", or just the release name when it already says dcsgw. */}}
{{- define "dcsgw.fullname" -}}
{{- if contains "dcsgw" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-dcsgw" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "dcsgw.labels" -}}
app.kubernetes.io/name: dcsgw
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "dcsgw.selector" -}}
app.kubernetes.io/name: dcsgw
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* -retry-join for every server pod, by its stable DNS name behind the headless Service. */}}
{{- define "dcsgw.retryJoin" -}}
{{- $name := include "dcsgw.fullname" . -}}
{{- range $i := until (int .Values.server.replicas) }}
- -retry-join={{ $name }}-server-{{ $i }}.{{ $name }}-server.$(NAMESPACE).svc
{{- end }}
{{- end -}}

{{/* The downward-API variables the agents' flags refer to. */}}
{{- define "dcsgw.podEnv" -}}
- name: POD_NAME
  valueFrom: { fieldRef: { fieldPath: metadata.name } }
- name: POD_IP
  valueFrom: { fieldRef: { fieldPath: status.podIP } }
- name: NAMESPACE
  valueFrom: { fieldRef: { fieldPath: metadata.namespace } }
- name: NODE_NAME
  valueFrom: { fieldRef: { fieldPath: spec.nodeName } }
{{- end -}}
