import type { JsonOf, PackageView } from '../../index.ts';

export const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '');
export const clock = (iso: string | null | undefined): string =>
  iso ? new Date(iso).toLocaleTimeString() : '';
/** `awaiting_placement` → `awaiting placement`. */
export const words = (value: unknown): string => String(value).replaceAll('_', ' ');

/** Who a package is for: the resident it is registered to, or what the label said. */
export const recipientOf = (p: Pick<JsonOf<PackageView>, 'recipient' | 'recipientText'>): string =>
  p.recipient
    ? `${p.recipient.firstName} ${p.recipient.lastName} (${p.recipient.apartment})`
    : (p.recipientText ?? 'unknown recipient');
