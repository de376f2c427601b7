// The HCL parser lives in src/compat/hcl/ (ACL rules use it too, and compat must not depend on
// the CLI); this name stays for the agent configuration tests that import it from here.
export { HclSyntaxError, parseHcl, type HclValue } from '../../compat/hcl/hcl.js';
