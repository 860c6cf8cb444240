/**
 * Output of several machines at once, one line at a time with the machine's name in front (`studio-a │ …`), so
 * parallel progress stays readable and greppable. Partial lines wait for their newline; `flush` ends the last one.
 */
export function prefixedLines(prefix: string, write: (text: string) => void): { write: (text: string) => void; flush: () => void } {
  let pending = ''
  return {
    write(text) {
      pending += text
      let newline = pending.indexOf('\n')
      while (newline >= 0) {
        write(`${prefix}${pending.slice(0, newline)}\n`)
        pending = pending.slice(newline + 1)
        newline = pending.indexOf('\n')
      }
    },
    flush() {
      if (pending !== '') write(`${prefix}${pending}\n`)
      pending = ''
    },
  }
}

/** A name padded to the widest of the names, and the separator after it. */
export function machinePrefix(name: string, names: readonly string[]): string {
  const width = Math.max(...names.map((n) => n.length))
  return `${name.padEnd(width)} │ `
}
