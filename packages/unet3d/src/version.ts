/** Version of this package (recorded in checkpoints through the model spec). */
export const version = '0.1.0';
