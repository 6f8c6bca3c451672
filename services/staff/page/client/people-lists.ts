import type { Resident } from '../../../store/index.ts';
import type {
  AccountListAnswer,
  CourierListAnswer,
  CourierPinAnswer,
  ResidentListAnswer,
} from '../../index.ts';
import { byId, h } from './element-builder.ts';
import { submitForm } from './form-submit.ts';
import { rememberResidents } from './resident-directory.ts';
import { api, messageOf } from './staff-api.ts';
import { toast } from './toast.ts';

/** A button that flips one flag of a person (active, disabled) and then reloads the list. */
function toggle(label: string, path: string, change: Record<string, boolean>, reload: () => unknown) {
  return h(
    'button',
    {
      onclick: async () => {
        await api('PATCH', path, change).catch((error: unknown) => toast(messageOf(error)));
        reload();
      },
    },
    label,
  );
}

/** Residents, moved-out ones too; the active ones are what the flag actions offer. */
export async function loadResidents(): Promise<void> {
  const { residents } = await api<ResidentListAnswer>('GET', '/api/staff/residents');
  rememberResidents(residents);
  byId('resident-rows').replaceChildren(
    ...residents.map((r: Resident) =>
      h(
        'tr',
        {},
        h('td', {}, r.apartment),
        h('td', {}, `${r.firstName} ${r.lastName}`),
        h('td', {}, r.email ?? ''),
        h('td', {}, r.phone ?? ''),
        h('td', {}, r.active ? 'yes' : 'moved out'),
        h(
          'td',
          {},
          toggle(
            r.active ? 'Deactivate' : 'Reactivate',
            `/api/staff/residents/${r.id}`,
            { active: !r.active },
            loadResidents,
          ),
        ),
      ),
    ),
  );
}

/** Couriers (admin): a new PIN is drawn by the server and shown only once. */
export async function loadCouriers(): Promise<void> {
  const { couriers } = await api<CourierListAnswer>('GET', '/api/staff/couriers');
  byId('courier-rows').replaceChildren(
    ...couriers.map((c) =>
      h(
        'tr',
        {},
        h('td', {}, c.name),
        h('td', {}, c.company),
        h('td', {}, c.rfidTag ?? ''),
        h('td', {}, c.active ? 'yes' : 'no'),
        h(
          'td',
          {},
          h(
            'button',
            {
              onclick: async () => {
                try {
                  const { pin } = await api<CourierPinAnswer>('POST', `/api/staff/couriers/${c.id}/pin`, {});
                  window.alert(`New PIN for ${c.name}: ${pin}\nIt is shown only this once.`);
                } catch (error) {
                  toast(messageOf(error));
                }
              },
            },
            'New PIN',
          ),
          ' ',
          toggle(
            c.active ? 'Deactivate' : 'Reactivate',
            `/api/staff/couriers/${c.id}`,
            { active: !c.active },
            loadCouriers,
          ),
        ),
      ),
    ),
  );
}

/** Staff accounts (admin). */
export async function loadAccounts(): Promise<void> {
  const { accounts } = await api<AccountListAnswer>('GET', '/api/staff/accounts');
  byId('account-rows').replaceChildren(
    ...accounts.map((a) =>
      h(
        'tr',
        {},
        h('td', {}, a.username),
        h('td', {}, a.displayName),
        h('td', {}, a.role),
        h('td', {}, a.disabled ? 'yes' : 'no'),
        h(
          'td',
          {},
          toggle(
            a.disabled ? 'Enable' : 'Disable',
            `/api/staff/accounts/${a.id}`,
            { disabled: !a.disabled },
            loadAccounts,
          ),
        ),
      ),
    ),
  );
}

/** The add forms of the three lists. */
export function setUpPeopleForms(): void {
  submitForm('resident-form', 'resident-error', '/api/staff/residents', loadResidents);
  submitForm('courier-form', 'courier-error', '/api/staff/couriers', loadCouriers);
  submitForm('account-form', 'account-error', '/api/staff/accounts', loadAccounts);
}
