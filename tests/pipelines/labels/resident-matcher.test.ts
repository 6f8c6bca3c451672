import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createResidentMatcher,
  normalizeUnit,
  type ResidentRecord,
} from '../../../pipelines/labels/index.ts';
import { demoResidents } from '../../../services/seed/demo-people.ts';

const roster: ResidentRecord[] = demoResidents().map((r, i) => ({ id: `r${i}`, ...r }));
const matcher = createResidentMatcher(roster);

function top(name: string | null, unit: string | null) {
  const result = matcher.match({ name, unit });
  const first = result.candidates[0];
  return { result, who: first ? `${first.firstName} ${first.lastName} ${first.apartment}` : null };
}

describe('normalizeUnit', () => {
  it('reduces the ways labels print a unit to one form', () => {
    for (const printed of [
      'APT 305',
      'Apt. 305',
      'UNIT 305',
      '#305',
      '# 305',
      'STE 305',
      'APARTMENT 305',
      'APT #305',
      '0305',
      'No. 305',
    ])
      assert.equal(normalizeUnit(printed), '305', printed);
    assert.equal(normalizeUnit('apt 4-b'), '4B');
    assert.equal(normalizeUnit('   '), null);
    assert.equal(normalizeUnit('APT'), null);
    assert.equal(normalizeUnit(null), null);
  });
});

describe('createResidentMatcher', () => {
  it('is confident for the printed name and unit of a resident', () => {
    const { result, who } = top('MAYA PATEL', 'APT 409');
    assert.equal(result.status, 'confident');
    assert.equal(who, 'Maya Patel 409');
    assert.equal(result.candidates[0]!.score, 1);
  });

  it('accepts nicknames, initials, swapped and comma-swapped names', () => {
    for (const [name, unit, expected] of [
      ['BENJAMIN SCHMIDT', '#102', 'Ben Schmidt 102'],
      ['N. VOLKOV', 'UNIT 410', 'Nikolai Volkov 410'],
      ['VOLKOV NIKOLAI', '410', 'Nikolai Volkov 410'],
      ['LINDQVIST, OSKAR', 'STE 205', 'Oskar Lindqvist 205'],
      ['Mr. Hiroshi K Tanaka Jr', 'APT 404', 'Hiroshi Tanaka 404'],
      ['VALENTINA MORETTI', null, 'Valentina Moretti 302'],
    ] as const) {
      const { result, who } = top(name, unit);
      assert.equal(who, expected, name);
      assert.equal(result.status, 'confident', `${name}: ${result.reason}`);
    }
  });

  it('survives OCR slips in the name and in the unit', () => {
    for (const [name, unit, expected] of [
      ['LUCA B1ANCHI', 'APT 408', 'Luca Bianchi 408'],
      ['INGR1D BERG', 'APT 4O5', 'Ingrid Berg 405'],
      ['FARIDRAHIMI', 'APT 402', 'Farid Rahimi 402'],
      ['CARL0S RAMIREZ', '#309', 'Carlos Ramirez 309'],
    ] as const) {
      const { result, who } = top(name, unit);
      assert.equal(who, expected, name);
      assert.equal(result.status, 'confident', `${name}: ${result.reason}`);
    }
  });

  it('uses the unit to tell apart residents who share a name', () => {
    // The demo roster has a Rosa Garcia in 101 and another in 208.
    assert.equal(top('ROSA GARCIA', 'APT 208').who, 'Rosa Garcia 208');
    assert.equal(top('ROSA GARCIA', 'APT 208').result.status, 'confident');
    const noUnit = top('ROSA GARCIA', null).result;
    assert.equal(noUnit.status, 'uncertain');
    assert.match(noUnit.reason, /almost equally/);
    assert.deepEqual(new Set(noUnit.candidates.slice(0, 2).map((c) => c.apartment)), new Set(['101', '208']));
  });

  it('tells people sharing an apartment apart by name', () => {
    const { result, who } = top('AIDEN BROWN', 'APT 110');
    assert.equal(who, 'Aiden Brown 110');
    assert.equal(result.status, 'confident');
    // Initial J. is Jasmine, not Aiden, even with the family name shared.
    assert.equal(top('J BROWN', 'APT 110').who, 'Jasmine Brown 110');
  });

  it('says when it does not know instead of guessing', () => {
    const stranger = top('MARGARET THORNTON', 'APT 305').result;
    assert.notEqual(stranger.status, 'confident');
    const nobody = top('XAVIER QUIGLEY', 'APT 999').result;
    assert.equal(nobody.status, 'no_match');
    assert.match(nobody.reason, /nobody living here resembles "XAVIER QUIGLEY"/);
    // An unregistered roommate: right unit, family name of a resident, another given name.
    assert.notEqual(top('PETER ALVAREZ', 'APT 104').result.status, 'confident');
    // A unit alone lists who lives there but never decides.
    const unitOnly = top(null, 'APT 203').result;
    assert.equal(unitOnly.status, 'uncertain');
    assert.deepEqual(
      new Set(unitOnly.candidates.filter((c) => c.unitScore === 1).map((c) => c.lastName)),
      new Set(['Rossi', 'Cohen']),
    );
    assert.equal(top(null, null).result.status, 'no_match');
  });

  it('does not take a neighbouring unit for the right one', () => {
    const { result } = top('KEIKO SATO', 'APT 408');
    assert.equal(result.candidates[0]!.lastName, 'Sato');
    assert.equal(result.candidates[0]!.unitScore, 0);
    assert.notEqual(result.status, 'confident');
  });

  it('leaves out residents who moved out', () => {
    const moved = createResidentMatcher([
      { id: 'a', firstName: 'Wei', lastName: 'Zhang', apartment: '303', active: false },
      { id: 'b', firstName: 'Zoe', lastName: 'Walsh', apartment: '306' },
    ]);
    assert.equal(moved.size, 1);
    assert.equal(moved.match({ name: 'WEI ZHANG', unit: '303' }).status, 'no_match');
  });

  it('refuses nonsensical options', () => {
    assert.throws(() => createResidentMatcher(roster, { confidentScore: 2 }));
  });
});
