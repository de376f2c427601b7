// `--scenario GLOB[,GLOB...]`: which scenarios run, by name (`*` any run of characters, `?` one).
export function scenarioFilter(globs: string | undefined): (name: string) => boolean {
  if (!globs) return () => true;
  const res = globs.split(',').map((g) => g.trim()).filter(Boolean).map(
    (g) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`),
  );
  return (name) => res.some((re) => re.test(name));
}
