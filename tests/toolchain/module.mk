# tests/toolchain/: the SDK as a drop-in Solo5 toolchain (suites of
# `make check`, listed in the Makefile). toolchain: the build tree's
# x86_64-solo5-none-static-cc/-ld/-objcopy, solo5-spt-cc and solo5-elftool
# on good and bad command lines. toolchain_dropin: installed into a
# staging directory, autoconf's configure probes, a Solo5-style Makefile
# building the README's sample, and pkg-config (sysroot, real prefix,
# moved prefix); it needs autoconf.
CHECK_BANNER_toolchain := Solo5 toolchain names: cc, ld, objcopy, \
	solo5-elftool
CHECK_NEEDS_toolchain := $(COMPAT)
CHECK_RUN_toolchain = ./tests/toolchain/toolchain_test.sh $(B)
CHECK_BANNER_toolchain_dropin := drop-in: autoconf configure, Solo5-style \
	Makefile, pkg-config
CHECK_RUN_toolchain_dropin = ./tests/toolchain/acceptance_test.sh
