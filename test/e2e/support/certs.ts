/**
 * cert-manager's stand-in: issues, with openssl, exactly the certificates the
 * generated Issuer and Certificate objects ask for (subject, DNS names, IP
 * addresses, usages, isCA, RSA key size, duration) and stores them as the
 * Secret each names (tls.crt, tls.key, ca.crt), as cert-manager would.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export type SecretStore = Map<string, Map<string, Buffer>>;

const USAGE: Record<string, { ku?: string; eku?: string }> = {
  'digital signature': { ku: 'digitalSignature' },
  'key encipherment': { ku: 'keyEncipherment' },
  'cert sign': { ku: 'keyCertSign' },
  'crl sign': { ku: 'cRLSign' },
  'server auth': { eku: 'serverAuth' },
  'client auth': { eku: 'clientAuth' },
};

function days(duration: string | undefined): number {
  const m = /^(\d+)h$/.exec(duration ?? '2160h');
  if (!m) throw new Error(`unsupported duration ${duration}`);
  return Math.max(1, Math.ceil(Number(m[1]) / 24));
}

/** The openssl extension section for a Certificate's spec. */
function extensions(spec: any): string {
  const lines: string[] = [];
  const ku = new Set<string>();
  const eku = new Set<string>();
  for (const u of spec.usages ?? (spec.isCA ? [] : ['digital signature', 'key encipherment'])) {
    const m = USAGE[u];
    if (!m) throw new Error(`unsupported usage ${u}`);
    if (m.ku) ku.add(m.ku);
    if (m.eku) eku.add(m.eku);
  }
  if (spec.isCA) {
    // cert-manager adds "cert sign" to a CA's usages.
    ku.add('keyCertSign');
    ku.add('digitalSignature');
    ku.add('keyEncipherment');
    lines.push('basicConstraints=critical,CA:TRUE');
  } else {
    lines.push('basicConstraints=critical,CA:FALSE');
  }
  if (ku.size > 0) lines.push(`keyUsage=critical,${[...ku].join(',')}`);
  if (eku.size > 0) lines.push(`extendedKeyUsage=${[...eku].join(',')}`);
  const san = [...(spec.dnsNames ?? []).map((d: string) => `DNS:${d}`), ...(spec.ipAddresses ?? []).map((i: string) => `IP:${i}`)];
  if (san.length > 0) lines.push(`subjectAltName=${san.join(',')}`);
  lines.push('subjectKeyIdentifier=hash');
  return `${lines.join('\n')}\n`;
}

function key(dir: string, name: string, spec: any): string {
  const pk = spec.privateKey ?? {};
  if ((pk.algorithm ?? 'RSA') !== 'RSA') throw new Error(`certificate ${name}: only RSA keys are issued here (${pk.algorithm})`);
  const file = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['genrsa', '-out', file, String(pk.size ?? 2048)], { stdio: 'pipe' });
  return file;
}

/**
 * Issues every Certificate in `objects` through the Issuers in `objects`
 * (selfSigned and ca kinds); returns the Secrets cert-manager would write.
 */
export function issueCertificates(objects: any[], dir: string, secrets: SecretStore = new Map()): SecretStore {
  fs.mkdirSync(dir, { recursive: true });
  const issuers = new Map(objects.filter((o) => o.kind === 'Issuer').map((o) => [o.metadata.name, o]));
  const certs = objects.filter((o) => o.kind === 'Certificate');
  const done = new Set<string>();
  const issue = (cert: any) => {
    const name = cert.metadata.name;
    if (done.has(name)) return;
    const spec = cert.spec;
    const issuer = issuers.get(spec.issuerRef.name);
    if (!issuer) throw new Error(`certificate ${name}: no Issuer ${spec.issuerRef.name} in the output`);
    const ext = path.join(dir, `${name}.ext`);
    fs.writeFileSync(ext, extensions(spec));
    const keyFile = key(dir, name, spec);
    const crt = path.join(dir, `${name}.crt`);
    const subj = spec.commonName ? `/CN=${spec.commonName}` : '/';
    let caCrt: Buffer;
    if (issuer.spec.selfSigned) {
      execFileSync('openssl', ['req', '-x509', '-new', '-key', keyFile, '-out', crt, '-days', String(days(spec.duration)), '-subj', subj, '-extensions', 'v3_ca_e2e', '-config',
        configWith(dir, name, ext)], { stdio: 'pipe' });
      caCrt = fs.readFileSync(crt);
    } else if (issuer.spec.ca) {
      const caCert = certs.find((c) => c.spec.secretName === issuer.spec.ca.secretName);
      if (caCert) issue(caCert);
      const ca = secrets.get(issuer.spec.ca.secretName);
      if (!ca) throw new Error(`certificate ${name}: the CA Secret ${issuer.spec.ca.secretName} was not issued`);
      const caKey = path.join(dir, `${issuer.spec.ca.secretName}.ca.key`);
      const caFile = path.join(dir, `${issuer.spec.ca.secretName}.ca.crt`);
      fs.writeFileSync(caKey, ca.get('tls.key')!, { mode: 0o600 });
      fs.writeFileSync(caFile, ca.get('tls.crt')!);
      const csr = path.join(dir, `${name}.csr`);
      execFileSync('openssl', ['req', '-new', '-key', keyFile, '-out', csr, '-subj', subj], { stdio: 'pipe' });
      execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', crt, '-days', String(days(spec.duration)), '-extfile', ext], { stdio: 'pipe' });
      caCrt = ca.get('tls.crt')!;
    } else {
      throw new Error(`issuer ${issuer.metadata.name}: unsupported kind`);
    }
    secrets.set(spec.secretName, new Map([['tls.crt', fs.readFileSync(crt)], ['tls.key', fs.readFileSync(keyFile)], ['ca.crt', caCrt]]));
    done.add(name);
  };
  for (const c of certs) issue(c);
  return secrets;
}

/** An openssl config whose section v3_ca_e2e holds the extensions (req -x509 takes them only from a config). */
function configWith(dir: string, name: string, ext: string): string {
  const file = path.join(dir, `${name}.cnf`);
  fs.writeFileSync(file, `[req]\ndistinguished_name=dn\n[dn]\n[v3_ca_e2e]\n${fs.readFileSync(ext, 'utf8')}`);
  return file;
}

/** A CA of nobody's (foreign), and a client certificate it signs: for the negative tests. */
export function foreignClient(dir: string): { cert: string; key: string; ca: string } {
  fs.mkdirSync(dir, { recursive: true });
  const o = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'foreign-ca.key', '-out', 'foreign-ca.crt', '-days', '1', '-subj', '/CN=foreign ' +
    'CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  o('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'foreign.key', '-out', 'foreign.csr', '-subj', '/CN=intruder');
  fs.writeFileSync(path.join(dir, 'foreign.ext'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth,serverAuth\nsubjectAltName=DNS:intruder\n');
  o('x509', '-req', '-in', 'foreign.csr', '-CA', 'foreign-ca.crt', '-CAkey', 'foreign-ca.key', '-CAcreateserial', '-out', 'foreign.crt', '-days', '1', '-extfile', 'foreign.ext');
  return { cert: path.join(dir, 'foreign.crt'), key: path.join(dir, 'foreign.key'), ca: path.join(dir, 'foreign-ca.crt') };
}
