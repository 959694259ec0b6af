#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
char _license[] SEC("license") = "GPL";
static char str[] = "hello";
static char longstr[700];
static unsigned char ip4[4] = {192, 168, 1, 42};
#define R(fmt, args...) ({ static const char ___f[] = fmt; unsigned long long ___p[___bpf_narg(args)]; \
   ___bpf_fill(___p, args); \
   long ___r = bpf_seq_printf(seq, ___f, sizeof(___f), ___p, sizeof(___p)); BPF_SEQ_PRINTF(seq, "|r=%ld\n", ___r); })
SEC("iter/task")
int fmt(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	if (ctx->task != NULL) return 0;
	for (int i = 0; i < 699; i++) longstr[i] = 'a' + (i % 26);
	R("%s|%d", str, 5);
	R("%s%d", str, 5);
	R("%s%s", str, str);
	R("%pI4%d", ip4, 5);
	R("%s%d", longstr, 5);
	R("%s%c", longstr, 'x');
	R("%s%pI4", longstr, ip4);
	R("%s%pI4", &longstr[200], ip4);
	R("%s%s", &longstr[200], str);
	R("%s%s", longstr, str);
	R("%s%p", &longstr[100], 0);
	R("%s%p", &longstr[5], 0);
	R("%s%pI6", &longstr[5], ip4);
	R("%s%pI6", &longstr[3], ip4);
	R("%s%pI6", &longstr[2], ip4);
	R("%s%pB", &longstr[5], 0x1234);
	R("%s%pB", &longstr[1], 0x1234);
	return 0;
}
