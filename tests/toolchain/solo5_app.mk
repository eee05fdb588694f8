# solo5_app.mk: a unikernel's Makefile written for Solo5's toolchain, as
# MirageOS and Solo5's own tests write theirs. acceptance_test.sh runs it
# on the README's sample (app.c, manifest.json) with the installed SDK:
#
#   make -f solo5_app.mk CC=x86_64-solo5-none-static-cc

ELFTOOL = solo5-elftool
CFLAGS = -O2 -MMD

app.spt: app.o manifest.o
	$(CC) -z solo5-abi=spt -o $@ app.o manifest.o

manifest.c: manifest.json
	$(ELFTOOL) gen-manifest manifest.json manifest.c

%.o: %.c
	$(CC) $(CFLAGS) -c $< -o $@

-include app.d manifest.d
