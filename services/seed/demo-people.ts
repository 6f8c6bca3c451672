/**
 * Demo residents for a 40-apartment building: four floors of ten, some apartments shared.
 * Names are fixed rather than random so that screenshots, tests and the label generator agree.
 */
const firstNames = [
  'Amara',
  'Ben',
  'Chen',
  'Dolores',
  'Emeka',
  'Fatima',
  'Gustavo',
  'Hana',
  'Ivan',
  'Jasmine',
  'Kwame',
  'Leila',
  'Mateo',
  'Nadia',
  'Oskar',
  'Priya',
  'Quentin',
  'Rosa',
  'Sven',
  'Tamar',
  'Umar',
  'Valentina',
  'Wei',
  'Ximena',
  'Yusuf',
  'Zoe',
  'Aiden',
  'Beatriz',
  'Carlos',
  'Dana',
  'Elif',
  'Farid',
  'Grace',
  'Hiroshi',
  'Ingrid',
  'Jonah',
  'Keiko',
  'Luca',
  'Maya',
  'Nikolai',
];
const lastNames = [
  'Okafor',
  'Schmidt',
  'Nguyen',
  'Alvarez',
  'Mensah',
  'Haddad',
  'Pereira',
  'Kim',
  'Petrov',
  'Brown',
  'Asante',
  'Farahani',
  'Rossi',
  'Kowalski',
  'Lindqvist',
  'Sharma',
  'Dubois',
  'Garcia',
  'Johansson',
  'Levi',
  'Siddiqui',
  'Moretti',
  'Zhang',
  'Castillo',
  'Demir',
  'Walsh',
  'Murphy',
  'Santos',
  'Ramirez',
  'Cohen',
  'Yilmaz',
  'Rahimi',
  'Taylor',
  'Tanaka',
  'Berg',
  'Fischer',
  'Sato',
  'Bianchi',
  'Patel',
  'Volkov',
];

export interface DemoResident {
  apartment: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
}

export function demoResidents(): DemoResident[] {
  const residents: DemoResident[] = [];
  for (let i = 0; i < 40; i++) {
    const apartment = `${Math.floor(i / 10) + 1}${String((i % 10) + 1).padStart(2, '0')}`;
    const people = i % 3 === 0 ? [i, (i + 17) % 40] : [i];
    for (const n of people) {
      const firstName = firstNames[n]!;
      // A second resident of an apartment keeps their own last name half the time.
      const lastName = n === i || n % 2 === 0 ? lastNames[i]! : lastNames[n]!;
      residents.push({
        apartment,
        firstName,
        lastName,
        email: `${firstName}.${lastName}@example.org`.toLowerCase(),
        phone: `+1555${String(1000000 + residents.length * 7919).slice(-7)}`,
      });
    }
  }
  return residents;
}

export const demoCouriers = [
  { name: 'Rafael Ortiz', company: 'UPS', rfidTag: '0004512345' },
  { name: 'Janine Blum', company: 'FedEx', rfidTag: '0004598765' },
  { name: 'Tomasz Nowak', company: 'USPS', rfidTag: '0004533221' },
  { name: 'Ade Balogun', company: 'Amazon', rfidTag: '0004577889' },
] as const;
