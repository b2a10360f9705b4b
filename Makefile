# ftrace_exporter: plain GNU make. `make` builds ./ftrace_exporter,
# `make test` runs the whole suite, `make deps` installs what both need.
PKGS     := libtracefs libtraceevent libmicrohttpd yaml-0.1 zlib libcrypt gnutls libbpf
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)
CC       ?= cc
OPT      ?= -O2 -g -flto=auto
AR       := gcc-ar
CFLAGS   ?= $(OPT)
CFLAGS   += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -pthread -Ipkg \
            -DFTE_VERSION='"$(VERSION)"' $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -pthread
BUILD    ?= build
PREFIX   ?= /usr/local
BIN      ?= ftrace_exporter

LIB_SRC  := $(sort $(wildcard pkg/*/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC:= $(sort $(wildcard bench/*.c))
BENCH_BIN:= $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
TOOL_BIN := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))

.PHONY: all tools deps test unit unit-bin integration sanitize fuzz vm bench install clean run
all: $(BIN)

CMD_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard cmd/ftrace_exporter/*.c))
$(BIN): $(CMD_OBJ) $(BUILD)/libfte.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libfte.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c $(wildcard pkg/*/*.h cmd/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(BUILD)/libfte.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libfte.a $(LDLIBS) -lcmocka

$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/libfte.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libfte.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

deps:
	@scripts/deps.sh

unit-bin: $(UNIT_BIN)

unit: $(UNIT_BIN)
	@scripts/run-unit.sh $(UNIT_BIN)

integration: $(BIN) tools
	@scripts/run-integration.sh

sanitize:
	@scripts/run-sanitize.sh

fuzz:
	@scripts/run-fuzz.sh

vm: $(BIN)
	@tests/vm/run.sh

test:
	@scripts/test-all.sh

bench: $(BIN) tools $(BENCH_BIN)
	@scripts/deps.sh --bench
	@for b in $(BENCH_BIN); do $$b || exit 1; done
	@bench/drop_rate.sh
	@bench/scrape_latency.sh
	@bench/scrape_probes.sh

run:
	@scripts/run.sh

install: $(BIN)
	install -D -m 0755 ftrace_exporter $(DESTDIR)$(PREFIX)/bin/ftrace_exporter
	install -D -m 0644 config/default.yaml $(DESTDIR)/etc/ftrace_exporter/config.yaml
	install -D -m 0644 deploy/systemd/ftrace_exporter.service \
		$(DESTDIR)/lib/systemd/system/ftrace_exporter.service

clean:
	rm -rf $(BUILD) build-* ftrace_exporter

$(BUILD)/tools/%: tests/tools/%.c tests/tools/sockaddr.h
	@mkdir -p $(dir $@)
	$(CC) $(OPT) -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -o $@ $<

tools: $(TOOL_BIN)
