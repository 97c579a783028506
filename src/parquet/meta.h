/* meta.h - Parquet metadata (parquet.thrift) as C structs: the footer's
 * FileMetaData, page headers and the page index, decoded from and encoded
 * to the Thrift compact protocol. */
#ifndef PQ_META_H
#define PQ_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "parquet/thrift.h"

/* ---------------------------------------------------------------- enums
 * The values are parquet.thrift's. Struct members holding one of these are
 * int32_t, not the enum type: a file from a newer writer may carry a value
 * this list does not name, and it is kept as read for the reader to judge. */

enum pq_type {
	PQ_BOOLEAN = 0,
	PQ_INT32 = 1,
	PQ_INT64 = 2,
	PQ_INT96 = 3,
	PQ_FLOAT = 4,
	PQ_DOUBLE = 5,
	PQ_BYTE_ARRAY = 6,
	PQ_FIXED_LEN_BYTE_ARRAY = 7,
};

enum pq_converted_type {
	PQ_CT_UTF8 = 0,
	PQ_CT_MAP = 1,
	PQ_CT_MAP_KEY_VALUE = 2,
	PQ_CT_LIST = 3,
	PQ_CT_ENUM = 4,
	PQ_CT_DECIMAL = 5,
	PQ_CT_DATE = 6,
	PQ_CT_TIME_MILLIS = 7,
	PQ_CT_TIME_MICROS = 8,
	PQ_CT_TIMESTAMP_MILLIS = 9,
	PQ_CT_TIMESTAMP_MICROS = 10,
	PQ_CT_UINT_8 = 11,
	PQ_CT_UINT_16 = 12,
	PQ_CT_UINT_32 = 13,
	PQ_CT_UINT_64 = 14,
	PQ_CT_INT_8 = 15,
	PQ_CT_INT_16 = 16,
	PQ_CT_INT_32 = 17,
	PQ_CT_INT_64 = 18,
	PQ_CT_JSON = 19,
	PQ_CT_BSON = 20,
	PQ_CT_INTERVAL = 21,
};

enum pq_repetition {
	PQ_REQUIRED = 0,
	PQ_OPTIONAL = 1,
	PQ_REPEATED = 2,
	PQ_VECTOR = 3,
};

enum pq_encoding {
	PQ_ENC_PLAIN = 0,
	/* 1 was GROUP_VAR_INT, never used */
	PQ_ENC_PLAIN_DICTIONARY = 2,
	PQ_ENC_RLE = 3,
	PQ_ENC_BIT_PACKED = 4,
	PQ_ENC_DELTA_BINARY_PACKED = 5,
	PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
	PQ_ENC_DELTA_BYTE_ARRAY = 7,
	PQ_ENC_RLE_DICTIONARY = 8,
	PQ_ENC_BYTE_STREAM_SPLIT = 9,
};

enum pq_codec {
	PQ_CODEC_UNCOMPRESSED = 0,
	PQ_CODEC_SNAPPY = 1,
	PQ_CODEC_GZIP = 2,
	PQ_CODEC_LZO = 3,
	PQ_CODEC_BROTLI = 4,
	PQ_CODEC_LZ4 = 5,
	PQ_CODEC_ZSTD = 6,
	PQ_CODEC_LZ4_RAW = 7,
};

enum pq_page_type {
	PQ_PAGE_DATA = 0,
	PQ_PAGE_INDEX = 1,
	PQ_PAGE_DICTIONARY = 2,
	PQ_PAGE_DATA_V2 = 3,
};

enum pq_boundary_order {
	PQ_BOUNDARY_UNORDERED = 0,
	PQ_BOUNDARY_ASCENDING = 1,
	PQ_BOUNDARY_DESCENDING = 2,
};

enum pq_edge_algorithm {
	PQ_EDGE_SPHERICAL = 0,
	PQ_EDGE_VINCENTY = 1,
	PQ_EDGE_THOMAS = 2,
	PQ_EDGE_ANDOYER = 3,
	PQ_EDGE_KARNEY = 4,
};

/* ---------------------------------------------------------------- values */

/* Bytes copied into the decoding arena (or, for encoding, borrowed from
 * the caller). p is NULL only when len is 0. */
struct pq_binary {
	const uint8_t *p;
	size_t len;
};

/* A member of a Thrift union that tarn does not know (from a newer format
 * version): its field id, its type, and its serialized value copied as
 * read, so that encoding writes it back unchanged. A value of type
 * PQ_TT_TRUE/PQ_TT_FALSE has no bytes. */
struct pq_raw_member {
	int16_t id;
	uint8_t type;
	struct pq_binary value;
};

/* ---------------------------------------------------------------- schema */

/* LogicalType union members; the numbers are the union's field ids. */
enum pq_logical_kind {
	PQ_LT_UNRECOGNIZED = 0, /* a member tarn does not know: use the physical type */
	PQ_LT_STRING = 1,
	PQ_LT_MAP = 2,
	PQ_LT_LIST = 3,
	PQ_LT_ENUM = 4,
	PQ_LT_DECIMAL = 5,
	PQ_LT_DATE = 6,
	PQ_LT_TIME = 7,
	PQ_LT_TIMESTAMP = 8,
	/* 9 is reserved for INTERVAL */
	PQ_LT_INTEGER = 10,
	PQ_LT_NULL = 11, /* parquet.thrift's UNKNOWN: a column that is always null */
	PQ_LT_JSON = 12,
	PQ_LT_BSON = 13,
	PQ_LT_UUID = 14,
	PQ_LT_FLOAT16 = 15,
	PQ_LT_VARIANT = 16,
	PQ_LT_GEOMETRY = 17,
	PQ_LT_GEOGRAPHY = 18,
	PQ_LT_VECTOR = 19,
};

/* TimeUnit union members. */
enum pq_time_unit {
	PQ_UNIT_MILLIS = 1,
	PQ_UNIT_MICROS = 2,
	PQ_UNIT_NANOS = 3,
};

/* The LogicalType union. kind says which member is set and which of the
 * parameters below mean anything. A member tarn does not know, an empty
 * union, or a TIME/TIMESTAMP whose unit tarn does not know, decodes as
 * PQ_LT_UNRECOGNIZED with the member kept in raw (raw.type is 0 for the
 * empty union). */
struct pq_logical_type {
	int kind; /* enum pq_logical_kind */
	/* DECIMAL */
	int32_t scale;
	int32_t precision;
	/* TIME, TIMESTAMP */
	bool is_adjusted_to_utc;
	int32_t unit; /* enum pq_time_unit */
	/* INTEGER */
	int8_t bit_width;
	bool is_signed;
	/* VARIANT */
	bool has_specification_version;
	int8_t specification_version;
	/* GEOMETRY, GEOGRAPHY */
	const char *crs; /* NULL when absent */
	bool has_algorithm; /* GEOGRAPHY only */
	int32_t algorithm;  /* enum pq_edge_algorithm */
	/* UNRECOGNIZED */
	struct pq_raw_member raw;
};

/* SchemaElement: one node of the schema tree, listed depth first. */
struct pq_schema_elem {
	const char *name; /* required */
	bool has_type;
	int32_t type; /* enum pq_type; leaves only */
	bool has_type_length;
	int32_t type_length;
	bool has_repetition_type;
	int32_t repetition_type; /* enum pq_repetition */
	bool has_num_children;
	int32_t num_children; /* groups only; >= 0 */
	bool has_converted_type;
	int32_t converted_type; /* enum pq_converted_type */
	bool has_scale;
	int32_t scale;
	bool has_precision;
	int32_t precision;
	bool has_field_id;
	int32_t field_id;
	bool has_logical_type;
	struct pq_logical_type logical_type;
	bool has_vector_length;
	int32_t vector_length; /* >= 0 */
};

/* ---------------------------------------------------------------- statistics */

/* Statistics of a column chunk or a page. min and max are the deprecated
 * signed-order fields; min_value and max_value follow the column order. */
struct pq_statistics {
	bool has_max;
	struct pq_binary max;
	bool has_min;
	struct pq_binary min;
	bool has_null_count;
	int64_t null_count; /* >= 0 */
	bool has_distinct_count;
	int64_t distinct_count; /* >= 0 */
	bool has_max_value;
	struct pq_binary max_value;
	bool has_min_value;
	struct pq_binary min_value;
	bool has_is_max_value_exact;
	bool is_max_value_exact;
	bool has_is_min_value_exact;
	bool is_min_value_exact;
	bool has_nan_count;
	int64_t nan_count; /* >= 0 */
};

/* SizeStatistics. */
struct pq_size_statistics {
	bool has_unencoded_byte_array_data_bytes;
	int64_t unencoded_byte_array_data_bytes; /* >= 0 */
	bool has_repetition_level_histogram;
	int64_t *repetition_level_histogram;
	size_t n_repetition_level_histogram;
	bool has_definition_level_histogram;
	int64_t *definition_level_histogram;
	size_t n_definition_level_histogram;
};

/* BoundingBox of GeospatialStatistics. */
struct pq_bounding_box {
	double xmin, xmax, ymin, ymax;
	bool has_zmin, has_zmax, has_mmin, has_mmax;
	double zmin, zmax, mmin, mmax;
};

/* GeospatialStatistics. */
struct pq_geo_statistics {
	bool has_bbox;
	struct pq_bounding_box bbox;
	bool has_geospatial_types;
	int32_t *geospatial_types;
	size_t n_geospatial_types;
};

/* ---------------------------------------------------------------- file metadata */

struct pq_key_value {
	const char *key;   /* required */
	const char *value; /* NULL when absent; NUL-terminated, value_len bytes before it */
	size_t value_len;
};

/* PageEncodingStats. */
struct pq_page_encoding_stats {
	int32_t page_type; /* enum pq_page_type */
	int32_t encoding;  /* enum pq_encoding */
	int32_t count;     /* >= 0 */
};

/* ColumnMetaData. Sizes and counts are checked to be >= 0; offsets are not
 * (the reader checks them against the file). */
struct pq_column_meta {
	int32_t type; /* enum pq_type */
	int32_t *encodings; /* enum pq_encoding */
	size_t n_encodings;
	const char **path_in_schema;
	size_t n_path_in_schema;
	int32_t codec; /* enum pq_codec */
	int64_t num_values;
	int64_t total_uncompressed_size;
	int64_t total_compressed_size;
	bool has_key_value_metadata;
	struct pq_key_value *key_value_metadata;
	size_t n_key_value_metadata;
	int64_t data_page_offset;
	bool has_index_page_offset;
	int64_t index_page_offset;
	bool has_dictionary_page_offset;
	int64_t dictionary_page_offset;
	bool has_statistics;
	struct pq_statistics statistics;
	bool has_encoding_stats;
	struct pq_page_encoding_stats *encoding_stats;
	size_t n_encoding_stats;
	bool has_bloom_filter_offset;
	int64_t bloom_filter_offset;
	bool has_bloom_filter_length;
	int32_t bloom_filter_length; /* >= 0 */
	bool has_size_statistics;
	struct pq_size_statistics size_statistics;
	bool has_geospatial_statistics;
	struct pq_geo_statistics geospatial_statistics;
};

/* ColumnCryptoMetaData union. */
enum pq_column_crypto_kind {
	PQ_CRYPTO_UNRECOGNIZED = 0,
	PQ_CRYPTO_FOOTER_KEY = 1, /* ENCRYPTION_WITH_FOOTER_KEY */
	PQ_CRYPTO_COLUMN_KEY = 2, /* ENCRYPTION_WITH_COLUMN_KEY */
};

struct pq_column_crypto {
	int kind; /* enum pq_column_crypto_kind */
	/* COLUMN_KEY */
	const char **path_in_schema;
	size_t n_path_in_schema;
	bool has_key_metadata;
	struct pq_binary key_metadata;
	/* UNRECOGNIZED */
	struct pq_raw_member raw;
};

/* ColumnChunk. has_crypto_metadata or has_encrypted_column_metadata means
 * the column is encrypted. */
struct pq_column_chunk {
	const char *file_path; /* NULL when absent */
	int64_t file_offset;
	bool has_meta_data;
	struct pq_column_meta meta_data;
	bool has_offset_index_offset;
	int64_t offset_index_offset;
	bool has_offset_index_length;
	int32_t offset_index_length; /* >= 0 */
	bool has_column_index_offset;
	int64_t column_index_offset;
	bool has_column_index_length;
	int32_t column_index_length; /* >= 0 */
	bool has_crypto_metadata;
	struct pq_column_crypto crypto_metadata;
	bool has_encrypted_column_metadata;
	struct pq_binary encrypted_column_metadata;
};

struct pq_sorting_column {
	int32_t column_idx; /* >= 0 */
	bool descending;
	bool nulls_first;
};

struct pq_row_group {
	struct pq_column_chunk *columns;
	size_t n_columns;
	int64_t total_byte_size; /* >= 0 */
	int64_t num_rows;        /* >= 0 */
	bool has_sorting_columns;
	struct pq_sorting_column *sorting_columns;
	size_t n_sorting_columns;
	bool has_file_offset;
	int64_t file_offset;
	bool has_total_compressed_size;
	int64_t total_compressed_size; /* >= 0 */
	bool has_ordinal;
	int16_t ordinal;
};

/* ColumnOrder union. */
enum pq_column_order_kind {
	PQ_ORDER_UNRECOGNIZED = 0, /* readers ignore min/max statistics */
	PQ_ORDER_TYPE = 1,         /* TYPE_ORDER */
	PQ_ORDER_IEEE_754_TOTAL = 2,
	PQ_ORDER_INT96_TIMESTAMP = 3,
};

struct pq_column_order {
	int kind; /* enum pq_column_order_kind */
	struct pq_raw_member raw; /* UNRECOGNIZED */
};

/* EncryptionAlgorithm union. */
enum pq_encryption_kind {
	PQ_ENCRYPTION_UNRECOGNIZED = 0,
	PQ_ENCRYPTION_AES_GCM_V1 = 1,
	PQ_ENCRYPTION_AES_GCM_CTR_V1 = 2,
};

struct pq_encryption_algorithm {
	int kind; /* enum pq_encryption_kind */
	/* AES_GCM_V1 and AES_GCM_CTR_V1 share their fields */
	bool has_aad_prefix;
	struct pq_binary aad_prefix;
	bool has_aad_file_unique;
	struct pq_binary aad_file_unique;
	bool has_supply_aad_prefix;
	bool supply_aad_prefix;
	struct pq_raw_member raw; /* UNRECOGNIZED */
};

/* FileMetaData: the footer. schema[0] is the root. */
struct pq_file_meta {
	int32_t version;
	struct pq_schema_elem *schema; /* at least one element */
	size_t n_schema;
	int64_t num_rows; /* >= 0 */
	struct pq_row_group *row_groups;
	size_t n_row_groups;
	bool has_key_value_metadata;
	struct pq_key_value *key_value_metadata;
	size_t n_key_value_metadata;
	const char *created_by; /* NULL when absent */
	bool has_column_orders;
	struct pq_column_order *column_orders;
	size_t n_column_orders;
	/* Set only in encrypted files with a plaintext footer. */
	bool has_encryption_algorithm;
	struct pq_encryption_algorithm encryption_algorithm;
	bool has_footer_signing_key_metadata;
	struct pq_binary footer_signing_key_metadata;
};

/* ---------------------------------------------------------------- pages */

struct pq_data_page_header {
	int32_t num_values; /* >= 0 */
	int32_t encoding;   /* enum pq_encoding */
	int32_t definition_level_encoding;
	int32_t repetition_level_encoding;
	bool has_statistics;
	struct pq_statistics statistics;
};

struct pq_dictionary_page_header {
	int32_t num_values; /* >= 0 */
	int32_t encoding;
	bool has_is_sorted;
	bool is_sorted;
};

struct pq_data_page_header_v2 {
	int32_t num_values; /* all >= 0 */
	int32_t num_nulls;
	int32_t num_rows;
	int32_t encoding;
	int32_t definition_levels_byte_length;
	int32_t repetition_levels_byte_length;
	bool has_is_compressed;
	bool is_compressed; /* true when absent, as the format says */
	bool has_statistics;
	struct pq_statistics statistics;
};

/* PageHeader. type says which sub-header should be present; the decoder
 * does not insist (the reader decides what a missing one means). The
 * IndexPageHeader is an empty struct: only its presence is kept. */
struct pq_page_header {
	int32_t type; /* enum pq_page_type */
	int32_t uncompressed_page_size; /* >= 0 */
	int32_t compressed_page_size;   /* >= 0 */
	bool has_crc;
	int32_t crc;
	bool has_data_page_header;
	struct pq_data_page_header data_page_header;
	bool has_index_page_header;
	bool has_dictionary_page_header;
	struct pq_dictionary_page_header dictionary_page_header;
	bool has_data_page_header_v2;
	struct pq_data_page_header_v2 data_page_header_v2;
};

/* ---------------------------------------------------------------- page index */

/* ColumnIndex. null_pages, min_values and max_values have the same length
 * (n_pages), as do null_counts and nan_counts when present; the decoder
 * checks this. The histograms hold n_pages * (max level + 1) entries, which
 * only the schema can check. */
struct pq_column_index {
	size_t n_pages;
	bool *null_pages;
	struct pq_binary *min_values;
	struct pq_binary *max_values;
	int32_t boundary_order; /* enum pq_boundary_order */
	bool has_null_counts;
	int64_t *null_counts;
	bool has_repetition_level_histograms;
	int64_t *repetition_level_histograms;
	size_t n_repetition_level_histograms;
	bool has_definition_level_histograms;
	int64_t *definition_level_histograms;
	size_t n_definition_level_histograms;
	bool has_nan_counts;
	int64_t *nan_counts;
};

struct pq_page_location {
	int64_t offset;
	int32_t compressed_page_size; /* >= 0 */
	int64_t first_row_index;      /* >= 0 */
};

/* OffsetIndex. unencoded_byte_array_data_bytes, when present, has one
 * entry per page (checked). */
struct pq_offset_index {
	struct pq_page_location *page_locations;
	size_t n_page_locations;
	bool has_unencoded_byte_array_data_bytes;
	int64_t *unencoded_byte_array_data_bytes;
};

/* ---------------------------------------------------------------- decoding */

/* The most arena memory one decode may take (the C structs are larger than
 * their encoding: a footer of n bytes can need a few hundred times n). */
#define PQ_META_MAX_DECODED ((size_t)1 << 30)

/*
 * Each decoder reads one struct from the len bytes at p (borrowed, only
 * during the call) and fills *out. Every array, string and binary value is
 * copied into the arena a, so p may be freed afterwards; what the decoder
 * put in the arena lives until the caller resets or ends it, even when the
 * decoder fails. Strings are NUL-terminated; a string field other than a
 * key-value value that holds a NUL byte is TN_ECORRUPT.
 *
 * Fields tarn does not know are skipped, and so are known fields written
 * with an unexpected type (as Thrift does). Errors are TN_ECORRUPT, with a
 * message naming the struct, the field and the byte offset, when:
 *   - the input ends early, or a length or count is more than the bytes
 *     left could hold (checked before anything is allocated);
 *   - nesting deeper than PQ_THRIFT_MAX_DEPTH;
 *   - a required field is missing ("FileMetaData: required field 'schema'
 *     missing");
 *   - a size or count the format needs non-negative is negative;
 *   - lists that must be as long as each other are not;
 * TN_ETOOBIG when the decoded structs would take more than
 * PQ_META_MAX_DECODED bytes of the arena; TN_EINVAL when p is NULL and len
 * is not 0.
 * Trailing bytes after the struct are not an error (an encrypted file with
 * a plaintext footer has a signature there). */
int pq_file_meta_decode(const uint8_t *p, size_t len, struct tn_arena *a,
	struct pq_file_meta *out, struct tn_err *err);

/* A page header is followed by the page's data: *consumed (may be NULL)
 * receives the header's length in bytes. */
int pq_page_header_decode(const uint8_t *p, size_t len, struct tn_arena *a,
	struct pq_page_header *out, size_t *consumed, struct tn_err *err);

int pq_column_index_decode(const uint8_t *p, size_t len, struct tn_arena *a,
	struct pq_column_index *out, struct tn_err *err);

int pq_offset_index_decode(const uint8_t *p, size_t len, struct tn_arena *a,
	struct pq_offset_index *out, struct tn_err *err);

/* ---------------------------------------------------------------- encoding
 *
 * Each encoder appends one struct to out (borrowed; on error out may hold
 * part of it). Required fields are always written, optional ones when
 * their presence flag is set (or their pointer is not NULL, for optional
 * strings), in field-id order. Errors: TN_ETOOBIG when out reaches its cap,
 * TN_EINVAL for a value the format cannot carry (a required string that is
 * NULL, a NULL array with a non-zero count, a list over 2^31-1 elements),
 * with a message naming the struct and field. */
int pq_file_meta_encode(const struct pq_file_meta *m, struct tn_buf *out, struct tn_err *err);
int pq_page_header_encode(const struct pq_page_header *h, struct tn_buf *out,
	struct tn_err *err);
int pq_column_index_encode(const struct pq_column_index *ci, struct tn_buf *out,
	struct tn_err *err);
int pq_offset_index_encode(const struct pq_offset_index *oi, struct tn_buf *out,
	struct tn_err *err);

/* ---------------------------------------------------------------- helpers */

/* True when the footer says the file or any column is encrypted
 * (encryption_algorithm, or a column chunk with crypto metadata or
 * encrypted column metadata). tarn cannot read such files. */
bool pq_file_meta_is_encrypted(const struct pq_file_meta *m);

#endif
