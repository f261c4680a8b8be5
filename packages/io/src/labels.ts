/**
 * The classes of DeepSC-COVID.
 * @module
 */

/** Scan labels: COVID-19, community-acquired pneumonia, non-pneumonia. */
export type ScanLabel = 'covid' | 'cap' | 'normal';
/** Every label, in class-index order (0 covid, 1 cap, 2 normal). */
export const SCAN_LABELS: readonly ScanLabel[] = ['covid', 'cap', 'normal'];
