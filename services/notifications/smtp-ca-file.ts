import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/index.ts';

const pemCertificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Reads `PARCELROOM_SMTP_CA_FILE` once at start and checks that it holds PEM certificates, so a
 * wrong path or a key file given by mistake stops the start with one line instead of turning
 * every message into a TLS failure an hour later.
 */
export function loadSmtpCaFile(file: string): string {
  const where = `PARCELROOM_SMTP_CA_FILE (notifications.smtp.caFile) ${file}`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${where}: cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  const certificates = text.match(pemCertificate) ?? [];
  if (certificates.length === 0) {
    throw new ConfigError(`${where}: holds no "-----BEGIN CERTIFICATE-----" block; it must be a PEM file`);
  }
  certificates.forEach((pem, index) => {
    try {
      new X509Certificate(pem);
    } catch (error) {
      throw new ConfigError(
        `${where}: certificate ${index + 1} is not valid PEM (${(error as Error).message})`,
      );
    }
  });
  return certificates.join('\n');
}
