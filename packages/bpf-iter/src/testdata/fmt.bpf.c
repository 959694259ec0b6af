#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
char _license[] SEC("license") = "GPL";

static char str[] = "hello";
static char longstr[700];
static unsigned char ip4[4] = {192, 168, 1, 42};
static unsigned char ip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

#define P(fmt, ...) BPF_SEQ_PRINTF(seq, fmt, ##__VA_ARGS__)
#define R(fmt, ...) ({ static const char ___f[] = fmt; unsigned long long ___p[] = { __VA_ARGS__ }; \
   long ___r = bpf_seq_printf(seq, ___f, sizeof(___f), ___p, sizeof(___p)); BPF_SEQ_PRINTF(seq, "|r=%ld\n", ___r); })
#define R0(fmt) ({ static const char ___f[] = fmt; \
   long ___r = bpf_seq_printf(seq, ___f, sizeof(___f), 0, 0); BPF_SEQ_PRINTF(seq, "|r=%ld\n", ___r); })

SEC("iter/task")
int fmt(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	long long m5 = -5, m1 = -1;
	long long big = 0x100000005LL;
	if (ctx->task != NULL) return 0;
	for (int i = 0; i < 699; i++) longstr[i] = 'a' + (i % 26);
	P("A:%-16s|%5d|%x|%lx|%pI4|%c|\n", str, -42, m1, m1, ip4, 'Z');
	P("B:%u|%lu|%d|%ld|%x|%X|%lX|%llu|\n", m5, m5, m5, m5, m5, m5, m5, m5);
	P("C:%05d|%-5d|%+d|% d|%+u|%5s|%-5s|%05s|\n", 42, 42, 42, 42, 42, str, "ab", "ab");
	P("D:%pi4|%pI6|%pi6|\n", ip4, ip6, ip6);
	P("E:%c%c%c|%5c|%-3c|%03c|\n", 'a', 'B', '!', 'x', 'y', 'z');
	P("F:%px|%p|%pK|%px|%p|\n", 0, 0, 0, 0x1234, 0x1234);
	P("G:%ps|%pS|%pB|\n", 0x1234, 0x1234, 0x1234);
	P("H:%+05d|%-05d|% 5d|%0+5d|%-+5d|%+5d|% 05d|\n", 42, 42, 42, 42, 42, -42, -42);
	P("I:%d|%ld|%u|%lu|%i|%lli|%llx|\n", big, big, big, big, m1, m1, big);
	P("J:%20lx|%-20llX|%020lu|%2d|%1s|\n", big, big, big, 12345, str);
	P("K:%5pI4|%20pi6|%10p|%-20px|%5pks|\n", ip4, ip6, 0x1234, 0x1234, str);
	P("L:%d %% %d|%%d|\n", 1, 2);
	P("M:%pks|%pus|%s|%s|\n", str, str, 0, 16);
	P("N:%ld|%lu|%lx|\n", 0x8000000000000000LL, 0x8000000000000000LL, 0x8000000000000000LL);
	P("O:%x|%lx|%X|%d|%u|\n", 0, 0, 0xabcdef, 0, 0);
	R("%o", 1);
	R("%.2d", 1);
	R("%hd", 1);
	R("%#x", 1);
	R("%pz", 1);
	R("%d %d", 1);
	R("%d", 1, 2);
	R("%s", (unsigned long long)longstr);
	R("%s%d", (unsigned long long)longstr, 5);
	R("%s%c", (unsigned long long)longstr, 'q');
	R("%s%pI4", (unsigned long long)longstr, (unsigned long long)ip4);
	R("%d %d %d %d %d %d %d %d %d %d %d %d", 1,2,3,4,5,6,7,8,9,10,11,12);
	R("%d %d %d %d %d %d %d %d %d %d %d %d %d", 1,2,3,4,5,6,7,8,9,10,11,12,13);
	R0("x%");
	R0("plain");
	R0("%%");
	R("%sx", (unsigned long long)str);
	R("%s1", (unsigned long long)str);
	R("%pks1", (unsigned long long)str);
	R("%pK1", 0x1234);
	R("%px1", 0x1234);
	R("%p1", 0x1234);
	R("%5%", 1);
	R("%-%", 1);
	R("%l", 1);
	R("%lld", 1);
	R("%llld", 1);
	R("%lc", 1);
	R("%ls", 1);
	R("%pI5", 1);
	R("%pIx", 1);
	R("%pi4x", (unsigned long long)ip4);
	R("%05pI4", (unsigned long long)ip4);
	R("%00005d", 7);
	R("%0-0-5d", 7);
	R("%c", 0x141);
	R("%pi4", 0);
	R("%ps", 0);
	return 0;
}
