/*
 * test_sdk.c: the SDK's command-line tools, solo5-spt-mft and
 * solo5-spt-cc, on good and bad input.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "e2e.h"

/* A program of the SDK: BUILD/sdk/bin/NAME. */
static const char *sdk_tool(const char *name)
{
    return path_in(path_in(e2e.build, "sdk/bin"), name);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Run "solo5-spt-mft gen" on json; returns the result. */
static void gen(const char *json, struct run_result *r)
{
    const char *in = tmp_path("m.json"), *out = tmp_path("m.c");
    const char *argv[] = {sdk_tool("solo5-spt-mft"), "gen", in, out, NULL};

    write_file(in, json);
    assert_int_equal(run(argv, NULL, r), 0);
}

static void expect_gen_refused(const char *json, const char *what)
{
    struct run_result r;

    gen(json, &r);
    assert_int_equal(r.status, 1);
    assert_int_equal(count_lines_with(r.err, ""), 1);
    if (strstr(r.err, what) == NULL)
        print_error("stderr: %s (expected %s)\n", r.err, what);
    assert_non_null(strstr(r.err, what));
    run_free(&r);
}

static void test_gen_refusals(void **state)
{
    char big[8192];
    size_t n;

    (void)state;
    expect_gen_refused("{", "m.json:");
    expect_gen_refused("[]", "must be a JSON object");
    expect_gen_refused("{\"type\":\"x\",\"version\":1,\"devices\":[]}",
                       "\"type\" must be");
    expect_gen_refused("{\"type\":\"solo5.manifest\",\"version\":2,"
                       "\"devices\":[]}", "\"version\" must be 1");
    expect_gen_refused("{\"type\":\"solo5.manifest\",\"version\":1}",
                       "\"devices\" must be an array");
    expect_gen_refused("{\"type\":\"solo5.manifest\",\"version\":1,"
                       "\"devices\":[{\"name\":\"\",\"type\":\"NET_BASIC\"}]}",
                       "letters and digits");
    expect_gen_refused("{\"type\":\"solo5.manifest\",\"version\":1,"
                       "\"devices\":[{\"name\":\"a-b\",\"type\":\"NET_BASIC\"}]}",
                       "letters and digits");
    expect_gen_refused("{\"type\":\"solo5.manifest\",\"version\":1,"
                       "\"devices\":[{\"name\":\"a\",\"type\":\"NET_BASIC\"},"
                       "{\"name\":\"a\",\"type\":\"BLOCK_BASIC\"}]}",
                       "used twice");
    expect_gen_refused("{\"type\":\"solo5.manifest\",\"version\":1,"
                       "\"devices\":[{\"name\":\"a\",\"type\":\"DISK\"}]}",
                       "\"type\" must be");
    expect_gen_refused("{\"type\":\"solo5.manifest\",\"version\":1,"
                       "\"devices\":[{\"name\":\"a\",\"type\":\"NET_BASIC\","
                       "\"mtu\":9000}]}", "unknown key \"mtu\"");
    expect_gen_refused("{\"type\":\"solo5.manifest\",\"version\":1,"
                       "\"devices\":[{\"name\":\"a\\u0000b\","
                       "\"type\":\"NET_BASIC\"}]}", "is not allowed");
    /* 64 devices: one too many. */
    n = (size_t)snprintf(big, sizeof big, "{\"type\":\"solo5.manifest\","
                         "\"version\":1,\"devices\":[");
    for (int i = 0; i < 64; i++)
        n += (size_t)snprintf(big + n, sizeof big - n,
                              "%s{\"name\":\"d%d\",\"type\":\"BLOCK_BASIC\"}",
                              i ? "," : "", i);
    snprintf(big + n, sizeof big - n, "]}");
    expect_gen_refused(big, "64 devices, at most 63");
}

/* Build app.c + manifest with the wrapper; query the result back. */
static void test_build_and_query(void **state)
{
    const char *app = tmp_path("app.c"), *json = tmp_path("app.json");
    const char *out = tmp_path("app.spt");
    const char *cc[] = {sdk_tool("solo5-spt-cc"), "-O2", "-Wall", "-Werror",
                        "-o", out, app, json, NULL};
    const char *qm[] = {sdk_tool("solo5-spt-mft"), "query-manifest", out, NULL};
    const char *qa[] = {sdk_tool("solo5-spt-mft"), "query-abi", out, NULL};
    struct run_result r;
    json_error_t jerr;
    json_t *j, *devs;

    (void)state;
    write_file(app, "#include \"solo5.h\"\n"
                    "int solo5_app_main(const struct solo5_start_info *si)\n"
                    "{ (void)si; return 0; }\n");
    write_file(json, "{\"type\":\"solo5.manifest\",\"version\":1,\"devices\":["
                     "{\"name\":\"storage\",\"type\":\"BLOCK_BASIC\"},"
                     "{\"name\":\"service\",\"type\":\"NET_BASIC\"}]}");
    assert_int_equal(run(cc, NULL, &r), 0);
    if (r.status != 0)
        print_error("%s", r.err);
    assert_int_equal(r.status, 0);
    run_free(&r);

    assert_int_equal(run(qm, NULL, &r), 0);
    assert_int_equal(r.status, 0);
    j = json_loads(r.out, 0, &jerr);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "type")),
                        "solo5.manifest");
    devs = json_object_get(j, "devices");
    assert_int_equal(json_array_size(devs), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(devs, 0), "name")),
        "storage");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(devs, 1), "type")),
        "NET_BASIC");
    json_decref(j);
    run_free(&r);

    assert_int_equal(run(qa, NULL, &r), 0);
    assert_int_equal(r.status, 0);
    j = json_loads(r.out, 0, &jerr);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "target")),
                        "spt");
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 2);
    json_decref(j);
    run_free(&r);
}

static void test_query_refusals(void **state)
{
    const char *qm[] = {sdk_tool("solo5-spt-mft"), "query-manifest",
                        e2e.tender, NULL};
    const char *bad[] = {sdk_tool("solo5-spt-mft"), "frob", NULL};
    struct run_result r;

    (void)state;
    assert_int_equal(run(qm, NULL, &r), 0);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "solo5-spt-mft: "));
    run_free(&r);
    assert_int_equal(run(bad, NULL, &r), 0);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "Usage"));
    run_free(&r);
}

static void test_wrapper_errors(void **state)
{
    const char *two[] = {sdk_tool("solo5-spt-cc"), "a.json", "b.json", NULL};
    const char *help[] = {sdk_tool("solo5-spt-cc"), "--help", NULL};
    struct run_result r;

    (void)state;
    assert_int_equal(run(two, NULL, &r), 0);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "more than one manifest"));
    run_free(&r);
    assert_int_equal(run(help, NULL, &r), 0);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "Usage: solo5-spt-cc"));
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gen_refusals),
        cmocka_unit_test(test_build_and_query),
        cmocka_unit_test(test_query_refusals),
        cmocka_unit_test(test_wrapper_errors),
    };

    return e2e_run("sdk", tests, NULL, NULL);
}
