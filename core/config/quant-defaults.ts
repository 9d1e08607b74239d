/**
 * The op types PTQ quantizes when QuantPost.quantize_op_types is absent, with or without a QuantPost
 * section (the schema's default and the automatic mode's read this one list). Import-free: the
 * workflows bundle it.
 */
export const DEFAULT_QUANT_OP_TYPES = ['Conv', 'ConvTranspose', 'MatMul', 'Gemm'] as const;
