/** fleet.calibration.json next to fleet.yaml: read by every plan, written by `fleet bench --calibrate`. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { CALIBRATION_FILE, CALIBRATION_VERSION, type CalibrationFile, type MachineCalibration } from './calibrate.ts'

export function calibrationPathFor(fleetPath: string): string {
  return join(dirname(fleetPath), CALIBRATION_FILE)
}

export function readCalibrationFile(path: string): CalibrationFile | null {
  if (!existsSync(path)) return null
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as CalibrationFile
    return value.version === CALIBRATION_VERSION && typeof value.calibrations === 'object' && value.calibrations !== null ? value : null
  } catch {
    return null
  }
}

/** Merges the new calibrations into the file (one per machine and family: the newest wins). */
export function writeCalibrations(path: string, calibrations: readonly MachineCalibration[]): void {
  const before = readCalibrationFile(path)?.calibrations ?? {}
  const merged = { ...before, ...Object.fromEntries(calibrations.map((c) => [`${c.machine}/${c.family}`, c])) }
  writeFileSync(path, `${JSON.stringify({ version: CALIBRATION_VERSION, calibrations: merged }, null, 2)}\n`)
}
