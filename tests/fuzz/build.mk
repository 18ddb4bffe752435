# tests/fuzz/: libFuzzer harnesses for the grammars that are ours (SCIM
# filters and PATCH paths) and for the SSH key checker (directory input).  Built with clang, whatever CC is, and always
# with AddressSanitizer and UBSan.  `make check` replays the seed corpus and
# runs a short session with a fixed seed (tests/fuzz/fuzz.bats); `make fuzz`
# runs each harness for FUZZ_SECONDS with a random seed and keeps what it
# finds in $(B)/fuzz/corpus-NAME.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 300
FUZZ_FLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_LIB_SRCS := lib/scim/filter.c lib/scim/patch.c lib/scim/scim.c lib/core/escape.c lib/core/error.c \
	lib/core/safefile.c lib/core/config.c lib/core/names.c lib/accounts/sshkey.c
FUZZ_TARGETS := filter path patch sshkey
FUZZ_PROGS := $(patsubst %,$(B)/fuzz/fuzz_%,$(FUZZ_TARGETS))

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_SRCS) $(FLAGS_STAMP)
	$(call msg,FUZZ,$@)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(ALL_CPPFLAGS) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_LIB_SRCS) $(JANSSON_LIBS) -lresolv

# The sanitizer pass of `make check` would only build the same harnesses again.
ifeq ($(SANITIZE),)
TEST_HELPERS += $(FUZZ_PROGS)
TEST_SCRIPTS += tests/fuzz/fuzz.bats
endif

.PHONY: fuzz
fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_PROGS)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(B)/fuzz/corpus-$$t && \
		echo "== fuzz $$t for $(FUZZ_SECONDS) s" && \
		$(B)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4200 \
			-dict=tests/fuzz/$$t.dict \
			$(B)/fuzz/corpus-$$t tests/fuzz/corpus/$$t || exit 1; \
	done
