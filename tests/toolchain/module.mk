# tests/toolchain/: the SDK as a drop-in Solo5 toolchain. The build
# tree's x86_64-solo5-none-static-cc/-ld/-objcopy, solo5-spt-cc and
# solo5-elftool on good and bad command lines; then, installed into a
# staging directory, autoconf's configure probes, a Solo5-style Makefile
# building the README's sample, and pkg-config (sysroot, real prefix,
# moved prefix). Needs autoconf and pkg-config.
TOOLCHAIN_CHECK = \
	echo "== Solo5 toolchain names: cc, ld, objcopy, solo5-elftool" && \
	./tests/toolchain/toolchain_test.sh $(B) && \
	echo "== drop-in: autoconf configure, Solo5-style Makefile, pkg-config" && \
	./tests/toolchain/acceptance_test.sh
