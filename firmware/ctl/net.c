/* pbctl net: render, check and print the hotspot's configuration. */
#include "ctl.h"

#include "pb_net.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NET_TOOL_TIMEOUT_MS 10000      /* one run of dnsmasq --test or hostapd */
#define NET_TOOL_OUTPUT_MAX 16384      /* what we keep of its output */
#define DNSMASQ_BIN "/usr/sbin/dnsmasq"
#define HOSTAPD_BIN "/usr/sbin/hostapd"
#define NET_DIR_ENV "PB_NET_DIR"           /* net render's folder when none is given */

static const char *tool(const char *env, const char *def)
{
	const char *p = getenv(env);
	return p != NULL && *p ? p : def;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run argv with stdout+stderr into out. Returns the exit status, 128+signal,
 * or -1 if it could not start or ran past the timeout. */
static int run_tool(char *const argv[], char *out, size_t len)
{
	int pfd[2], status = 0, rc = -1;
	size_t used = 0;
	int64_t deadline = now_ms() + NET_TOOL_TIMEOUT_MS;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execv(argv[0], argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		int64_t left = deadline - now_ms();
		char buf[1024];
		ssize_t got;

		if (left <= 0) {
			kill(pid, SIGKILL);
			snprintf(out + used, len - used, "\n(stopped after %d ms)\n",
				 NET_TOOL_TIMEOUT_MS);
			waitpid(pid, &status, 0);
			goto out;
		}
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			break;
		got = read(pfd[0], buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (used + 1 < len) {
			size_t take = (size_t)got < len - used - 1 ? (size_t)got : len - used - 1;
			memcpy(out + used, buf, take);
			used += take;
			out[used] = '\0';
		}
	}
	if (waitpid(pid, &status, 0) < 0)
		goto out;
	rc = WIFEXITED(status) ? WEXITSTATUS(status) :
	     WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
out:
	close(pfd[0]);
	return rc;
}

/* box.conf, with the provisioned Wi-Fi where box.conf leaves the defaults,
 * checked for rendering. */
static int load_strict(struct pb_ctl *c)
{
	char errs[PB_CONFIG_ERRORS_MAX][PB_CONFIG_ERROR_LEN];
	char page[PB_NET_URL_MAX] = PB_PORTAL_PATH, err[PATH_MAX + 256];
	int n;

	if (pb_config_load(&c->cfg, c->config_path) != 0) {
		pb_config_print_errors(&c->cfg, stderr);
		return -1;
	}
	if (pb_net_provision(&c->cfg, page, sizeof(page), err, sizeof(err)) ==
	    PB_PROVISION_ERROR) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	n = pb_net_check(&c->cfg, 1, errs, PB_CONFIG_ERRORS_MAX);
	for (int i = 0; i < n; i++)
		fprintf(stderr, "%s\n", errs[i]);
	return n == 0 ? 0 : -1;
}

static int render(struct pb_ctl *c, const char *dir)
{
	if (pb_net_render(&c->cfg, dir) != 0) {
		fprintf(stderr, "pbctl: cannot write into %s: %s\n", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static void print_lines(const char *prefix, const char *text, const char *keep)
{
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");
		if (n > 0 && (keep == NULL || memmem(p, n, keep, strlen(keep)) != NULL))
			printf("%s%.*s\n", prefix, (int)n, p);
		p += n;
		if (*p == '\n')
			p++;
	}
}

static int check_dnsmasq(const char *dir)
{
	char conf[PATH_MAX + 8], out[NET_TOOL_OUTPUT_MAX];
	char *argv[] = { (char *)tool("PB_DNSMASQ", DNSMASQ_BIN), "--test", "-C", conf, NULL };
	int rc;

	snprintf(conf, sizeof(conf), "%s/dnsmasq.conf", dir);
	rc = run_tool(argv, out, sizeof(out));
	if (rc == 0) {
		printf("dnsmasq.conf: OK\n");
		return 0;
	}
	printf("dnsmasq.conf: ERROR\n");
	print_lines("  ", out, NULL);
	return -1;
}

/* hostapd has no check-only mode: run it on a copy of the config that names
 * an interface which does not exist and no control socket, so a running
 * hostapd is not disturbed. Parsing comes first and reports "Line N: …";
 * a config that parses fails later at the driver. Line numbers match the
 * original because lines are replaced, not removed. */
static int check_hostapd(const char *dir)
{
	char src[PATH_MAX + 16], copy[PATH_MAX + 32], out[NET_TOOL_OUTPUT_MAX];
	char line[1024], ifname[16];
	char *argv[] = { (char *)tool("PB_HOSTAPD", HOSTAPD_BIN), copy, NULL };
	FILE *in = NULL, *o = NULL;
	int rc, ret = -1;

	snprintf(src, sizeof(src), "%s/hostapd.conf", dir);
	snprintf(copy, sizeof(copy), "%s/.hostapd-check-%d.conf", dir, (int)getpid());
	snprintf(ifname, sizeof(ifname), "pbchk%d", (int)getpid() % 100000000);
	in = fopen(src, "r");
	o = fopen(copy, "w");
	if (o != NULL && fchmod(fileno(o), 0600) != 0) {   /* the passphrase is in it */
		fclose(o);
		o = NULL;
	}
	if (in == NULL || o == NULL) {
		fprintf(stderr, "pbctl: cannot read %s or write %s: %s\n", src, copy,
			strerror(errno));
		goto out;
	}
	while (fgets(line, sizeof(line), in) != NULL) {
		if (strncmp(line, "interface=", 10) == 0)
			fprintf(o, "interface=%s\n", ifname);
		else if (strncmp(line, "ctrl_interface", 14) == 0)
			fputs("# (control socket left out for the check)\n", o);
		else
			fputs(line, o);
	}
	if (fclose(o) != 0) {
		o = NULL;
		goto out;
	}
	o = NULL;
	rc = run_tool(argv, out, sizeof(out));
	if (strstr(out, "errors found in configuration file") != NULL ||
	    strstr(out, "Line ") != NULL || rc == 127 || rc < 0) {
		printf("hostapd.conf: ERROR\n");
		print_lines("  ", out, rc == 127 || rc < 0 ? NULL : "Line ");
		goto out;
	}
	/* parsed; it can only have failed at the missing interface */
	printf("hostapd.conf: OK (parsed by hostapd; the radio itself is not tried)\n");
	ret = 0;
out:
	if (in != NULL)
		fclose(in);
	if (o != NULL)
		fclose(o);
	unlink(copy);
	return ret;
}

static int net_render(struct pb_ctl *c, int argc, char **argv)
{
	/* the boot service names the folder in the environment */
	const char *dir = argc == 1 ? argv[0] : getenv(NET_DIR_ENV);

	if (argc > 1 || dir == NULL || dir[0] == '\0') {
		fprintf(stderr, "usage: pbctl net render OUTDIR (or " NET_DIR_ENV "=OUTDIR)\n");
		return 2;
	}
	if (load_strict(c) != 0 || render(c, dir) != 0)
		return 1;
	printf("%s: %s%s, dhcp-guard.nft, 10-pb-ap.network, 20-pb-uplink.network "
	       "(%s radio, %u phones)\n", dir, pb_net_radio(&c->cfg) == PB_RADIO_EXTERNAL ? "" : "hostapd.conf, ",
	       "dnsmasq.conf", pb_net_radio_name(pb_net_radio(&c->cfg)),
	       pb_net_capacity(&c->cfg));
	return 0;
}

static int net_check(struct pb_ctl *c, int argc, char **argv)
{
	char tmp[] = "/tmp/pbctl-net-XXXXXX";
	const char *dir = argc == 1 ? argv[0] : NULL;
	int bad = 0;

	if (argc > 1) {
		fprintf(stderr, "usage: pbctl net check [OUTDIR]\n");
		return 2;
	}
	if (load_strict(c) != 0)
		return 1;
	printf("%s [wifi] [net]: OK\n", c->config_path);
	if (dir == NULL) {
		if (mkdtemp(tmp) == NULL) {
			fprintf(stderr, "pbctl: cannot make a folder in /tmp: %s\n",
				strerror(errno));
			return 1;
		}
		dir = tmp;
		if (render(c, dir) != 0)
			return 1;
	}
	bad |= check_dnsmasq(dir) != 0;
	if (pb_net_radio(&c->cfg) != PB_RADIO_EXTERNAL)
		bad |= check_hostapd(dir) != 0;
	else
		printf("hostapd.conf: not used (external access point)\n");
	if (dir == tmp) {
		char p[sizeof(tmp) + 32];
		const char *names[] = { "hostapd.conf", "dnsmasq.conf", "10-pb-ap.network",
					"20-pb-uplink.network" };
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			snprintf(p, sizeof(p), "%s/%s", tmp, names[i]);
			unlink(p);
		}
		rmdir(tmp);
	}
	printf("%s\n", bad ? "configuration has errors" : "configuration OK");
	return bad ? 1 : 0;
}

static int net_poster(struct pb_ctl *c, int argc, char **argv)
{
	char css[PATH_MAX + 32];
	FILE *f = stdout;
	int rc;

	if (argc > 1) {
		fprintf(stderr, "usage: pbctl net poster [OUT.html]\n");
		return 2;
	}
	if (load_strict(c) != 0)
		return 1;
	if (snprintf(css, sizeof(css), "%s/%s", c->cfg.webapp_dir, PB_POSTER_CSS) <
	    (int)sizeof(css) && access(css, R_OK) != 0)
		fprintf(stderr, "pbctl: note: no %s, the poster is unstyled ([web] webapp_dir)\n",
			css);
	if (argc == 1 && (f = fopen(argv[0], "w")) == NULL) {
		fprintf(stderr, "pbctl: %s: %s\n", argv[0], strerror(errno));
		return 1;
	}
	rc = pb_net_write_poster(&c->cfg, f, 1);
	if (f != stdout && fclose(f) != 0)
		rc = -1;
	if (rc != 0) {
		fprintf(stderr, "pbctl: cannot write the poster\n");
		return 1;
	}
	if (f != stdout)
		printf("%s: A4 poster for Wi-Fi %s\n", argv[0], c->cfg.wifi_ssid);
	return 0;
}

int cmd_net(struct pb_ctl *c, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct pb_ctl *, int, char **);
	} subs[] = {
		{ "render", net_render },
		{ "check", net_check },
		{ "poster", net_poster },
	};

	if (argc >= 2)
		for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
			if (strcmp(argv[1], subs[i].name) == 0)
				return subs[i].fn(c, argc - 2, argv + 2);
	fprintf(stderr, "usage: pbctl net render OUTDIR | check [OUTDIR] | poster [OUT.html]\n");
	return 2;
}
