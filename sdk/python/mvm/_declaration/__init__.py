"""The declaration lowering, mirrored by hand from packages/ir/src/declaration (one file per TS file).

Same rules, same error codes, same check order as the TypeScript SDK and the static compiler, so every
route reports the same first error and produces the same bytes.
"""
