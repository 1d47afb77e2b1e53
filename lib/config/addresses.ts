/**
 * Address syntax, as the programs and Kubernetes read it: IPv4 addresses,
 * host names, `host:port` (split on ":" by the programs: no scheme, no IPv6)
 * and http(s) URLs. Each shape is one regular expression (it also goes into
 * the JSON Schema) and a function that explains why a value does not match.
 */

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV4_SOURCE = `${OCTET}(\\.${OCTET}){3}`;
/** Host name labels (letters, digits, inner "-"), the last one not all digits (so `300.1.1.1` is not a name). */
const HOSTNAME_SOURCE = '(?=[^:/]{1,253}(?![^:/]))([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?\\.)*(?=[-A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?';
const HOST_SOURCE = `(${IPV4_SOURCE}|${HOSTNAME_SOURCE})`;
const PORT_SOURCE = '([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])';

/** A dotted IPv4 address, each part 0-255 without leading zeros. */
export const IPV4 = new RegExp(`^${IPV4_SOURCE}$`);
/** An IPv4 CIDR block, prefix 0-32. */
export const IPV4_CIDR = new RegExp(`^${IPV4_SOURCE}/(3[0-2]|[12]?[0-9])$`);
/** An IPv4 address or a host name. */
export const HOST = new RegExp(`^${HOST_SOURCE}$`);
/** `host:port`, port 1-65535. */
export const HOST_PORT = new RegExp(`^${HOST_SOURCE}:${PORT_SOURCE}$`);
/** An `http://` or `https://` URL with a host, an optional port 1-65535 and nothing after it but an optional "/". */
export const HTTP_URL = new RegExp(`^https?://${HOST_SOURCE}(:${PORT_SOURCE})?/?$`);
/** Like {@link HTTP_URL}, https only. */
export const HTTPS_URL = new RegExp(`^https://${HOST_SOURCE}(:${PORT_SOURCE})?/?$`);
/** A Git repository URL: https/http/ssh/git URL with a path, or scp-like `user@host:path`. */
export const GIT_REPO_URL = new RegExp(`^((https?|ssh|git)://([^\\s@/]+@)?${HOST_SOURCE}(:${PORT_SOURCE})?/[^\\s]*|[A-Za-z0-9._-]+@${HOST_SOURCE}:[^\\s/][^\\s]*)$`);

/** A MongoDB connection string: `mongodb://` or `mongodb+srv://`, optional user, one or more hosts, optional database and options. */
export const MONGODB_URI = new RegExp(`^mongodb(\\+srv)?://([^\\s@/]+@)?${HOST_SOURCE}(:${PORT_SOURCE})?(,${HOST_SOURCE}(:${PORT_SOURCE})?)*(/[^\\s?]*)?(\\?[^\\s]*)?$`);

/** The host and the port of a `host:port` address (the port after the last colon, as the programs split it). */
export function splitHostPort(address: string): [host: string, port: string] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), address.slice(i + 1)];
}

/** The host of `host:port`, of a `scheme://[user@]host[:port]...` URL, or of a MongoDB URI (its first host). */
export function hostOf(address: string): string {
  const noScheme = address.replace(/^[a-z+]+:\/\//, '').replace(/^[^@/]*@/, '');
  return noScheme.split(/[/,?]/)[0].replace(/:[0-9]+$/, '');
}

/** True for an address in 127.0.0.0/8, `0.0.0.0` or `localhost`: never reachable from another machine. */
export function isLocalOnly(host: string): boolean {
  return /^127\./.test(host) || host === '0.0.0.0' || host.toLowerCase() === 'localhost';
}

/**
 * True for an IPv4 address the API server refuses as a Service external IP
 * (ValidateNonSpecialIP): unspecified, loopback, link-local unicast (169.254/16)
 * or link-local multicast (224.0.0/24).
 */
export function isSpecialIpv4(ip: string): boolean {
  return isLocalOnly(ip) || /^169\.254\./.test(ip) || /^224\.0\.0\./.test(ip);
}

/** Why `host` is not an IPv4 address or host name. */
function hostProblem(host: string): string | undefined {
  if (host === '') return 'the host is empty';
  if (HOST.test(host)) return undefined;
  if (/^[0-9.]+$/.test(host)) return `"${host}" is not an IPv4 address (four numbers 0-255)`;
  if (host.startsWith('[') || host.split(':').length > 2) return 'IPv6 addresses are not supported';
  return `"${host}" is not a host name (letters, digits and "-" between dots)`;
}

/** Why `port` (the text after the last ":") is not a port number. */
function portProblem(port: string): string | undefined {
  if (port === '') return 'the port is empty';
  if (!/^[0-9]+$/.test(port)) return `port "${port}" is not a number`;
  const n = Number(port);
  if (n < 1 || n > 65535 || port.startsWith('0')) return `port ${port} is not from 1 to 65535`;
  return undefined;
}

/** Why a value is not `host:port`; `example` shows the expected form. */
export function explainHostPort(value: unknown, example = 'server.example.com:8080'): string {
  const expected = `expected host:port, e.g. ${example}`;
  if (typeof value !== 'string') return expected;
  const reason = (() => {
    if (/\s/.test(value)) return 'spaces are not allowed';
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value);
    if (scheme) return `no scheme: drop "${scheme[1]}://"`;
    if (value.includes('/')) return 'no path: only host:port';
    const colon = value.lastIndexOf(':');
    if (colon === -1) return 'the port is missing';
    return hostProblem(value.slice(0, colon)) ?? portProblem(value.slice(colon + 1));
  })();
  return reason ? `${reason} (${expected})` : expected;
}

/** Why a value is not an http(s) URL `scheme://host[:port]`; `schemes` lists the schemes allowed. */
export function explainUrl(value: unknown, schemes: readonly string[], example: string): string {
  const expected = `expected ${schemes.map((s) => `${s}://`).join(' or ')}host[:port], e.g. ${example}`;
  if (typeof value !== 'string') return expected;
  const reason = (() => {
    if (/\s/.test(value)) return 'spaces are not allowed';
    const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(value);
    if (!m) return 'the scheme is missing';
    if (!schemes.includes(m[1])) return `the scheme "${m[1]}" is not allowed`;
    const rest = m[2].replace(/\/$/, '');
    if (rest.includes('@')) return 'no user or password in the URL';
    if (/[/?#]/.test(rest)) return 'no path, query or fragment';
    const colon = rest.lastIndexOf(':');
    return colon === -1 ? hostProblem(rest) : (hostProblem(rest.slice(0, colon)) ?? portProblem(rest.slice(colon + 1)));
  })();
  return reason ? `${reason} (${expected})` : expected;
}

/** Why a value is not an IPv4 address. */
export function explainIpv4(value: unknown, example = '192.0.2.10'): string {
  if (typeof value === 'string' && /^[0-9.]+$/.test(value)) return `"${value}" is not an IPv4 address: expected four numbers 0-255, e.g. ${example}`;
  return `must be an IPv4 address (four numbers 0-255), e.g. ${example}`;
}

/** Why a value is not an IPv4 address or host name. */
export function explainHost(value: unknown, example = '192.0.2.10 or edge-1.example.com'): string {
  const expected = `expected an IPv4 address or a DNS name, e.g. ${example}`;
  if (typeof value !== 'string') return expected;
  if (/\s/.test(value)) return `spaces are not allowed (${expected})`;
  if (value.includes(':') || value.includes('/')) return `an address without port, scheme or path (${expected})`;
  const reason = hostProblem(value);
  return reason ? `${reason} (${expected})` : expected;
}
