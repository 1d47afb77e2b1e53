/**
 * The platform's CA (when cert-manager issues its certificates and the
 * config names no issuer of its own) and the reloader that restarts the
 * programs whose certificate was renewed.
 */
import { CertificateAuthority, CertificateReloader } from '../blocks/certificates';
import { defineComponent } from '../blocks/define';

/** The CA and the certificate reloader, as `tls` says. */
export const certificateAuthorityComponent = defineComponent({
  name: 'certificate-authority',
  build: (scope, { model: { context, tls } }) => {
    const issuance = tls?.issuance;
    if (!issuance) return;
    new CertificateAuthority(scope, 'CertificateAuthority', { context, issuance });
    if (issuance.restartSchedule) new CertificateReloader(scope, 'CertificateReloader', { context, schedule: issuance.restartSchedule });
  },
});
