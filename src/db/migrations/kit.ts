import type { ColumnDefinitionBuilder, Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run on a schema that is still being built
export type AnyDb = Kysely<any>;

/** An integer key the store numbers itself (the one column type that differs by dialect). */
export type IdColumn = (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
