/**
 * Given names that people use for one another, as they show up on shipping labels: an order
 * placed as "Benjamin" reaches a resident registered as "Ben". Each group is one person's
 * possible names; a name may sit in several groups (Matt is Matthew or Mateo).
 *
 * The table is ours to extend: add a group when staff keep confirming the same pairing by hand.
 */
const groups: readonly string[][] = [
  ['ABIGAIL', 'ABBY', 'GAIL'],
  ['AIDEN', 'AIDAN', 'ADEN'],
  ['ALEXANDER', 'ALEX', 'AL', 'SASHA', 'XANDER'],
  ['ALEXANDRA', 'ALEX', 'SASHA', 'SANDRA', 'LEXI'],
  ['ANTHONY', 'TONY'],
  ['BEATRIZ', 'BEATRICE', 'BEA', 'TRIXIE'],
  ['BENJAMIN', 'BEN', 'BENNY', 'BENJI'],
  ['CARLOS', 'CARL', 'CHARLES', 'CHARLIE', 'CHUCK'],
  ['CATHERINE', 'KATHERINE', 'KATHRYN', 'KATE', 'KATIE', 'KATHY', 'CATHY', 'KAT'],
  ['CHRISTOPHER', 'CHRIS', 'KIT'],
  ['DANIEL', 'DAN', 'DANNY'],
  ['DOLORES', 'LOLA', 'LOLITA', 'DEE'],
  ['EDWARD', 'ED', 'EDDIE', 'TED', 'NED'],
  ['ELIZABETH', 'LIZ', 'BETH', 'ELIZA', 'BETSY', 'LIZZIE'],
  ['EMEKA', 'CHUKWUEMEKA'],
  ['FATIMA', 'FATMA', 'FATI'],
  ['FARID', 'FAREED'],
  ['GRACE', 'GRACIE'],
  ['GUSTAVO', 'GUS', 'GUSTAV', 'TAVO'],
  ['HIROSHI', 'HIRO'],
  ['INGRID', 'INGA'],
  ['IVAN', 'VANYA'],
  ['JAMES', 'JIM', 'JIMMY', 'JAMIE'],
  ['JASMINE', 'JAZ', 'JAS', 'YASMIN', 'YASMINE'],
  ['JENNIFER', 'JEN', 'JENNY'],
  ['JOHN', 'JOHNNY', 'JACK', 'JON'],
  ['JONAH', 'JON'],
  ['JONATHAN', 'JON', 'JONNY', 'NATE'],
  ['JOSEPH', 'JOE', 'JOEY'],
  ['KWAME', 'KWAMI'],
  ['LEILA', 'LAYLA', 'LAILA'],
  ['LUCA', 'LUKE', 'LUCAS'],
  ['MARGARET', 'MAGGIE', 'MEG', 'PEGGY'],
  ['MATEO', 'MATT', 'MATTHEW', 'MATEUS'],
  ['MATTHEW', 'MATT', 'MATTY'],
  ['MAYA', 'MAIA', 'MAJA'],
  ['MICHAEL', 'MIKE', 'MICK', 'MIKEY'],
  ['NADIA', 'NADYA', 'NADEZHDA'],
  ['NICHOLAS', 'NICK', 'NICKY', 'NIKOLAI', 'NIKO', 'KOLYA'],
  ['OSKAR', 'OSCAR', 'OSSIE'],
  ['PATRICIA', 'PAT', 'PATTY', 'TRISH'],
  ['PRIYA', 'PRIYANKA'],
  ['QUENTIN', 'QUINN', 'QUINTON'],
  ['RICHARD', 'RICK', 'RICH', 'DICK', 'RICKY'],
  ['ROBERT', 'ROB', 'BOB', 'BOBBY', 'ROBBIE'],
  ['ROSA', 'ROSIE', 'ROSE'],
  ['SAMUEL', 'SAM', 'SAMMY'],
  ['SAMANTHA', 'SAM', 'SAMMY'],
  ['STEPHEN', 'STEVEN', 'STEVE'],
  ['SVEN', 'SVENNE'],
  ['TAMAR', 'TAMMY'],
  ['THOMAS', 'TOM', 'TOMMY'],
  ['UMAR', 'OMAR'],
  ['VALENTINA', 'VAL', 'TINA', 'VALYA'],
  ['WILLIAM', 'WILL', 'BILL', 'BILLY', 'LIAM'],
  ['YUSUF', 'YOUSEF', 'JOSEPH'],
  ['ZOE', 'ZOEY'],
];

const equivalents = new Map<string, Set<string>>();
for (const group of groups) {
  for (const name of group) {
    const set = equivalents.get(name) ?? new Set<string>();
    for (const other of group) if (other !== name) set.add(other);
    equivalents.set(name, set);
  }
}

/** Whether two upper-case given names can be the same person's (same name included). */
export function areNicknames(a: string, b: string): boolean {
  return a === b || (equivalents.get(a)?.has(b) ?? false);
}

/** The other names a given name may appear as, upper case. */
export function nicknamesOf(name: string): string[] {
  return [...(equivalents.get(name.toUpperCase()) ?? [])];
}
