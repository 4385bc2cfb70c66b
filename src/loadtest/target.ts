/** Load tests target loopback unless the user says otherwise: a load test is not to be aimed by accident. */
import { ErrorCode, HeadroomError } from '../errors.js';

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Validates a target URL; throws a HeadroomError for a bad URL or a non-loopback host without permission. */
export function checkTarget(target: string, allowRemote: boolean): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new HeadroomError(ErrorCode.badArgument, `--target: not a URL: ${JSON.stringify(target)}`, { hint: 'e.g. --target http://127.0.0.1:8080' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HeadroomError(ErrorCode.badArgument, `--target: expected http or https, found ${url.protocol}`);
  if (!allowRemote && !isLoopback(url.hostname))
    throw new HeadroomError(ErrorCode.badArgument, `--target ${url.hostname} is not a loopback address; refusing to load-test it`, { hint: 'pass --allow-remote to load-test a remote system you are responsible for' });
  return url;
}
