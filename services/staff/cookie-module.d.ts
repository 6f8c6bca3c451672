// `cookie` 0.7 (the version express 5 depends on) ships no types; cookie 1.x does, and then this
// file goes. Only what staff-auth.ts uses is declared.
declare module 'cookie' {
  export function parse(header: string): Record<string, string | undefined>;
}
