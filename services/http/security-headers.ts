import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Helmet's headers, chosen per request by how the request arrived. HSTS and the CSP's
 * `upgrade-insecure-requests` are right for a page served over HTTPS, and break one served over
 * plain HTTP on a host name (a kiosk or staff PC on the building's LAN): the browser would fetch
 * the page's own script and stylesheet over https, which nothing serves, and remember to do so.
 * So both are sent only when the request came over HTTPS, directly or through a proxy the app
 * trusts (`trust proxy`, from `http.trustProxy`) to say so in X-Forwarded-Proto.
 */
export function securityHeaders(): RequestHandler {
  const overHttps = helmet();
  const overHttp = helmet({
    strictTransportSecurity: false,
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
  return (req, res, next) => (req.secure ? overHttps : overHttp)(req, res, next);
}
