/** fleet.calibration.json next to fleet.yaml: read by every plan, written by `fleet bench --calibrate`. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { CALIBRATION_FILE, CALIBRATION_VERSION, calibrationKey, validCalibration, type CalibrationFile, type MachineCalibration } from './calibrate.ts'

export function calibrationPathFor(fleetPath: string): string {
  return join(dirname(fleetPath), CALIBRATION_FILE)
}

export function readCalibrationFile(path: string): CalibrationFile | null {
  if (!existsSync(path)) return null
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown; calibrations?: unknown }
    if (value.version !== CALIBRATION_VERSION || typeof value.calibrations !== 'object' || value.calibrations === null) return null
    // An entry with a missing or impossible constant is left out rather than turned into NaN speeds.
    return { version: CALIBRATION_VERSION, calibrations: Object.fromEntries(Object.entries(value.calibrations).filter(([, c]) => validCalibration(c))) as CalibrationFile['calibrations'] }
  } catch {
    return null
  }
}

/** Merges the new calibrations into the file (one per machine and family: the newest wins). */
export function writeCalibrations(path: string, calibrations: readonly MachineCalibration[]): void {
  const before = readCalibrationFile(path)?.calibrations ?? {}
  const merged = { ...before, ...Object.fromEntries(calibrations.map((c) => [calibrationKey(c.machine, c.engine), c])) }
  writeFileSync(path, `${JSON.stringify({ version: CALIBRATION_VERSION, calibrations: merged }, null, 2)}\n`)
}
