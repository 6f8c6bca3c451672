import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatStartSummary } from '../../../services/app/index.ts';

const links = [
  { name: 'Kiosk', url: 'http://127.0.0.1:8080/kiosk' },
  { name: 'Staff review', url: 'http://127.0.0.1:8080/staff' },
];

describe('start-up summary', () => {
  test('a later start lists the addresses to open, aligned, and no credentials', () => {
    assert.equal(
      formatStartSummary({ links }),
      '\nParcelroom is running. Open:\n  Kiosk         http://127.0.0.1:8080/kiosk\n  Staff review  http://127.0.0.1:8080/staff\n',
    );
  });

  test('the first start shows its credentials box above the addresses', () => {
    const text = formatStartSummary({
      links,
      secrets: {
        staffUsername: 'admin',
        staffPassword: 'pw-123',
        courierPins: [{ name: 'Ade Balogun', company: 'Amazon', pin: '1234', rfidTag: '0004577889' }],
      },
    });
    assert.match(text, /Staff login {3}user: admin {3}password: pw-123\n/);
    assert.match(text, /Amazon {2}Ade Balogun {4}PIN 1234 {3}RFID 0004577889\n/);
    assert.ok(text.indexOf('password: pw-123') < text.indexOf('Parcelroom is running. Open:'));
    assert.ok(text.endsWith('  Staff review  http://127.0.0.1:8080/staff\n'));
  });
});
