tests:=
TEST_PROGS:=
