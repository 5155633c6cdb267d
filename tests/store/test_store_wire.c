// SPDX-License-Identifier: MIT
/* The TCPStore wire layer on its own: opcode tables, framing, ADD's number parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/table.h"
#include "store/wire.h"

static void opcodes_of_1_13_are_those_of_2_x_shifted_by_one(void **state)
{
	const enum store_cmd shifted[] = { CMD_SET, CMD_COMPARE_SET, CMD_GET, CMD_ADD,
					   CMD_CHECK, CMD_WAIT, CMD_GETNUMKEYS };

	for (size_t i = 0; i < sizeof(shifted) / sizeof(shifted[0]); i++)
		assert_int_equal(store_opcode(shifted[i], true), store_opcode(shifted[i], false) - 1);
	/* ... except DELETE_KEY, 8 in both */
	assert_int_equal(store_opcode(CMD_DELETE_KEY, true), 8);
	assert_int_equal(store_opcode(CMD_DELETE_KEY, false), 8);
	assert_int_equal(store_opcode(CMD_WATCH_KEY, true), 7);
	assert_int_equal(store_opcode(CMD_VALIDATE, false), 0);
	assert_int_equal(store_opcode(CMD_PING, false), 13);
	assert_int_equal(store_opcode(CMD_QUEUE_LEN, false), 16);
}

static void commands_2_x_added_do_not_exist_in_1_13(void **state)
{
	const enum store_cmd v2_only[] = { CMD_VALIDATE, CMD_APPEND, CMD_MULTI_GET, CMD_MULTI_SET,
					   CMD_CANCEL_WAIT, CMD_PING, CMD_QUEUE_PUSH, CMD_QUEUE_POP,
					   CMD_QUEUE_LEN };

	for (size_t i = 0; i < sizeof(v2_only) / sizeof(v2_only[0]); i++)
		assert_int_equal(store_opcode(v2_only[i], true), -1);
	assert_int_equal(store_cmd_of(9, true), CMD_INVALID);
	assert_int_equal(store_cmd_of(17, false), CMD_INVALID);
	assert_int_equal(store_cmd_of(0, true), CMD_SET);
	assert_int_equal(store_cmd_of(0, false), CMD_VALIDATE);
}

/* The three generations agree on 0..6 without a handshake and part at 7 and 8. */
static void the_three_numberings_match_pytorchs_enums(void **state)
{
	for (uint8_t op = 0; op <= 6; op++)
		assert_int_equal(store_gen_cmd_of(op, GEN_1_13), store_gen_cmd_of(op, GEN_2_0));
	assert_int_equal(store_gen_cmd_of(7, GEN_1_13), CMD_WATCH_KEY);
	assert_int_equal(store_gen_cmd_of(8, GEN_1_13), CMD_DELETE_KEY);
	assert_int_equal(store_gen_cmd_of(7, GEN_2_0), CMD_DELETE_KEY);
	assert_int_equal(store_gen_cmd_of(8, GEN_2_0), CMD_APPEND);
	assert_int_equal(store_gen_cmd_of(9, GEN_2_0), CMD_MULTI_GET);
	assert_int_equal(store_gen_cmd_of(10, GEN_2_0), CMD_MULTI_SET);
	assert_int_equal(store_gen_cmd_of(11, GEN_2_0), CMD_CANCEL_WAIT);
	assert_int_equal(store_gen_cmd_of(12, GEN_2_0), CMD_INVALID);
	assert_int_equal(store_gen_cmd_of(9, GEN_1_13), CMD_INVALID);
	assert_int_equal(store_gen_cmd_of(0, GEN_2_1), CMD_VALIDATE);
	assert_int_equal(store_gen_cmd_of(8, GEN_2_1), CMD_DELETE_KEY);
	assert_int_equal(store_gen_cmd_of(12, GEN_2_1), CMD_CANCEL_WAIT);
	assert_int_equal(store_gen_cmd_of(13, GEN_2_1), CMD_PING);
	assert_int_equal(store_gen_opcode(CMD_PING, GEN_2_0), -1);
	assert_int_equal(store_gen_opcode(CMD_VALIDATE, GEN_2_0), -1);
	assert_int_equal(store_gen_opcode(CMD_WATCH_KEY, GEN_2_0), -1);
}

static void strings_are_a_u64_length_then_bytes_in_host_order(void **state)
{
	struct store_buf b = { 0 };

	store_buf_u8(&b, 3);
	store_buf_bytes(&b, "/k", 2);
	assert_int_equal(b.len, 1 + 8 + 2);
	const uint8_t want[] = { 3, 2, 0, 0, 0, 0, 0, 0, 0, '/', 'k' };
	assert_memory_equal(b.data, want, sizeof(want));
	store_buf_free(&b);
}

static void a_short_read_reports_how_many_bytes_are_needed(void **state)
{
	const uint8_t part[] = { 5, 0, 0, 0, 0, 0, 0, 0, 'a', 'b' };
	struct store_reader r;

	store_reader_init(&r, part, sizeof(part));
	assert_int_equal(store_read_u64(&r), 5);
	assert_null(store_read_raw(&r, 5));
	assert_true(r.short_read);
	assert_int_equal(r.need, 13);
	/* once short, every later read is short too */
	assert_int_equal(store_read_u8(&r), 0);
	assert_true(r.short_read);
}

static void add_parses_stored_values_like_std_stoll(void **state)
{
	int64_t v;

	assert_true(store_parse_i64((const uint8_t *)"42", 2, &v));
	assert_int_equal(v, 42);
	assert_true(store_parse_i64((const uint8_t *)"  -7", 4, &v));
	assert_int_equal(v, -7);
	assert_true(store_parse_i64((const uint8_t *)"12abc", 5, &v));	/* stoll stops at the junk */
	assert_int_equal(v, 12);
	assert_false(store_parse_i64((const uint8_t *)"abc", 3, &v));
	assert_false(store_parse_i64((const uint8_t *)"", 0, &v));
	assert_false(store_parse_i64((const uint8_t *)"99999999999999999999", 20, &v));
}

static void table_frees_an_entry_once_nothing_holds_it(void **state)
{
	struct store_table t;

	assert_true(store_table_init(&t));
	struct store_entry *e = store_table_get(&t, "k", 1);
	assert_non_null(e);
	assert_true(store_entry_set(&t, e, "v", 1));
	assert_int_equal(t.nkeys, 1);
	assert_true(store_entry_push(&t, e, "q", 1));
	assert_true(store_entry_clear(&t, e));
	store_table_release(&t, e);	/* still holds a queued item */
	assert_ptr_equal(store_table_find(&t, "k", 1), e);
	free(store_entry_pop(&t, e));
	store_table_release(&t, e);
	assert_null(store_table_find(&t, "k", 1));
	assert_int_equal(t.bytes, 0);
	assert_int_equal(t.nentries, 0);
	store_table_free(&t);
}

static void table_grows_and_finds_every_key(void **state)
{
	struct store_table t;
	char key[32];

	assert_true(store_table_init(&t));
	for (int i = 0; i < 20000; i++) {
		int n = snprintf(key, sizeof(key), "/key/%d", i);
		assert_true(store_entry_set(&t, store_table_get(&t, key, (size_t)n), key, (size_t)n));
	}
	assert_true(t.nbuckets >= 20000);
	for (int i = 0; i < 20000; i++) {
		int n = snprintf(key, sizeof(key), "/key/%d", i);
		struct store_entry *e = store_table_find(&t, key, (size_t)n);
		assert_non_null(e);
		assert_memory_equal(e->val, key, (size_t)n);
	}
	store_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(opcodes_of_1_13_are_those_of_2_x_shifted_by_one),
		cmocka_unit_test(commands_2_x_added_do_not_exist_in_1_13),
		cmocka_unit_test(the_three_numberings_match_pytorchs_enums),
		cmocka_unit_test(strings_are_a_u64_length_then_bytes_in_host_order),
		cmocka_unit_test(a_short_read_reports_how_many_bytes_are_needed),
		cmocka_unit_test(add_parses_stored_values_like_std_stoll),
		cmocka_unit_test(table_frees_an_entry_once_nothing_holds_it),
		cmocka_unit_test(table_grows_and_finds_every_key),
	};
	return cmocka_run_group_tests_name("store wire", tests, NULL, NULL);
}
