/** Operating-system failures keep their specific hints; anything else is not mistaken for one (it is a bug). */
import { describe, expect, it } from 'vitest'
import { InternalError } from '../../src/errors.ts'
import { systemErrorHint } from '../../src/util/system-errors.ts'

const systemError = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: something`), { code })

describe('systemErrorHint', () => {
  it('names the cause: disk full, permission, network', () => {
    expect(systemErrorHint(systemError('ENOSPC'))).toMatch(/disk is full/)
    expect(systemErrorHint(systemError('EACCES'))).toMatch(/Permission denied/)
    expect(systemErrorHint(new TypeError('fetch failed', { cause: systemError('ECONNRESET') }))).toMatch(/connection was reset/)
  })

  it('is null for bugs: an InternalError, a TypeError, an unknown code', () => {
    expect(systemErrorHint(new InternalError('invariant broken'))).toBeNull()
    expect(systemErrorHint(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBeNull()
    expect(systemErrorHint(systemError('ESOMETHINGNEW'))).toBeNull()
    expect(systemErrorHint('a string')).toBeNull()
  })
})
