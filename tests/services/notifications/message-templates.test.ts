import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { demoLayout } from '../../../calibration/index.ts';
import {
  compileTemplate,
  defaultTemplatesDir,
  describeShelfLocation,
  loadMessageTemplates,
  parsePayload,
  retryDelayMs,
  TemplateError,
} from '../../../services/notifications/index.ts';
import { createScratchFolder } from '../../support/databases.ts';

const values = {
  firstName: '<b>Maya</b> & "Co"',
  lastName: 'Brown',
  apartment: '305',
  roomName: 'Demo package room',
  shelfWords: 'Shelf B, level 3 (from the floor), second from the left',
  slotId: 'B3-2',
  carrier: null,
  trackingNumber: '1Z999AA10123456784',
  hasPhoto: false,
  photoUrl: null,
  photoLinkExpires: null,
  pin: '482913',
  placedAt: 'Nov 30, 2026, 2:15 PM',
};

describe('message templates', () => {
  test('values are HTML-escaped in the HTML part and left as written in the text part', () => {
    const email = loadMessageTemplates().email('package_placed', values);
    assert.ok(email.html.includes('Hello &#60;b&#62;Maya&#60;/b&#62; &#38; &#34;Co&#34;,'));
    assert.ok(!email.html.includes('<b>Maya'));
    assert.ok(email.text.includes('Hello <b>Maya</b> & "Co",'));
    assert.equal(
      email.subject,
      'Your package is waiting: Shelf B, level 3 (from the floor), second from the left',
    );
  });

  test('sections show only when their value is there', () => {
    const email = loadMessageTemplates().email('package_placed', values);
    assert.ok(email.text.includes('Tracking number: 1Z999AA10123456784\n'), 'no carrier, no parentheses');
    assert.ok(!email.html.includes('cid:package-photo'), 'no photo, no photo image');
    assert.ok(!email.text.includes('A photo of the package'), 'no link, no link line');
  });

  test('every template renders for every channel', () => {
    const templates = loadMessageTemplates();
    for (const template of ['package_placed', 'package_reminder', 'package_picked_up'] as const) {
      const email = templates.email(template, { ...values, daysWaiting: 4, pickedUpAt: 'now' });
      assert.ok(
        email.subject.length > 0 && email.text.length > 0 && email.html.startsWith('<!doctype html>'),
      );
      assert.ok(
        templates.sms(template, { ...values, daysWaiting: 4, pickedUpAt: 'now' }).length <= 160,
        template,
      );
    }
  });

  test('a template that uses a value its message does not have stops the load, naming file and value', () => {
    const folder = createScratchFolder('parcelroom-templates-');
    try {
      cpSync(defaultTemplatesDir, folder.path, { recursive: true });
      const file = join(folder.path, 'package_reminder.sms.txt');
      writeFileSync(file, `${readFileSync(file, 'utf8').trim()} PIN {{ pin }}`);
      assert.throws(
        () => loadMessageTemplates(folder.path),
        (error: Error) =>
          error instanceof TemplateError &&
          error.message.startsWith(`${file}: {{pin}} is not a value of package_reminder`),
      );
    } finally {
      folder.remove();
    }
  });

  test('an unclosed section and a stray brace are reported with their line', () => {
    assert.throws(
      () => compileTemplate('one\n{{# pin }}two', { file: 'x.txt', escape: 'none' }),
      /x\.txt:2: \{\{#pin\}\} is never closed/,
    );
    assert.throws(
      () => compileTemplate('one\ntwo {{ pin', { file: 'x.txt', escape: 'none' }),
      /x\.txt:2: "\{\{" is not a placeholder/,
    );
    assert.throws(
      () => compileTemplate('{{# a }}{{/ b }}', { file: 'x.txt', escape: 'none' }),
      /closes \{\{#a\}\} opened on line 1/,
    );
  });
});

describe('shelf location in words', () => {
  const layout = demoLayout();
  test('counts slots from the nearer end of the level and levels from the floor', () => {
    assert.equal(
      describeShelfLocation(layout, 'B3-2').words,
      'Shelf B, level 3 (from the floor), second from the left',
    );
    assert.equal(
      describeShelfLocation(layout, 'A1-1').words,
      'Shelf A, level 1 (from the floor), first from the left',
    );
    assert.equal(
      describeShelfLocation(layout, 'C5-4').words,
      'Shelf C, level 5 (from the floor), first from the right',
    );
    assert.equal(
      describeShelfLocation(layout, 'C2-3').words,
      'Shelf C, level 2 (from the floor), second from the right',
    );
  });

  test('a slot the room does not have is an error naming it', () => {
    assert.throws(() => describeShelfLocation(layout, 'Z9-9'), /slot Z9-9 is not in room demo/);
  });
});

describe('payloads and retries', () => {
  test('a payload is checked against its template and the error names the field', () => {
    assert.throws(
      () =>
        parsePayload('package_placed', {
          packageId: '0f8fad5b-d9cb-469f-a165-70867728950e',
          slotId: 'B3-2',
          residentId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
          pickupPin: '12a4',
          pickupToken: 'pk_abcdefgh',
        }),
      /^InvalidPayloadError: package_placed: payload\.pickupPin must be the pickup PIN, 4 to 10 digits$/,
    );
    assert.throws(
      () => parsePayload('package_reminder', { slotId: 'b3' }),
      /payload\.packageId must be a package id/,
    );
  });

  test('the retry delay doubles per attempt between half and all of the step, up to the cap', () => {
    const policy = { maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 10_000 };
    assert.equal(
      retryDelayMs(policy, 1, () => 0),
      500,
    );
    assert.equal(
      retryDelayMs(policy, 1, () => 1),
      1000,
    );
    assert.equal(
      retryDelayMs(policy, 3, () => 0.5),
      3000,
    );
    assert.equal(
      retryDelayMs(policy, 10, () => 1),
      10_000,
    );
    assert.equal(
      retryDelayMs(policy, 10, () => 0),
      5000,
    );
  });
});
