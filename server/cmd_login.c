/* cmd_login.c - the banner and the login commands: USER PASS ACCT REIN QUIT HOST. */
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "commands.h"
#include "dataconn.h"
#include "fsjail.h"
#include "ftplab/reply.h"
#include "log.h"
#include "server.h"
#include "session.h"
#include "xfer.h"

#define MAX_FAILED_LOGINS 3
#define FAILED_LOGIN_DELAY_MS 1000

void commands_banner(struct session *s)
{
	unsigned lines = s->srv->cfg.faults.multiline_banner;
	char *text;
	size_t len = 0;

	if (lines <= 1) {
		session_reply(s, FTP_R_SERVICE_READY, "ftplab FTP server ready.");
		return;
	}
	log_event(s, "fault", "multiline-banner=%u", lines);
	text = malloc((size_t)lines * 48);
	if (text == NULL) {
		session_close(s, "out of memory");
		return;
	}
	for (unsigned i = 1; i < lines; i++)
		len += (size_t)sprintf(text + len, "Banner line %u of %u.\n", i, lines);
	sprintf(text + len, "ftplab FTP server ready.");
	session_reply(s, FTP_R_SERVICE_READY, "%s", text);
	free(text);
}

static bool is_anonymous_name(const char *name)
{
	return strcasecmp(name, "anonymous") == 0 || strcasecmp(name, "ftp") == 0;
}

void cmd_user(struct session *s, const struct cmd_parsed *pc)
{
	const struct server_config *c = &s->srv->cfg;

	if (s->state == SESS_READY) {
		session_reply(s, FTP_R_NOT_LOGGED_IN, "Already logged in; use REIN to change user.");
		return;
	}
	free(s->user);
	s->user = strdup(pc->arg);
	if (s->user == NULL) {
		session_close(s, "out of memory");
		return;
	}
	s->anonymous = is_anonymous_name(pc->arg);
	if (s->anonymous && c->anonymous == ANON_OFF) {
		s->state = SESS_AUTH_USER;
		session_reply(s, FTP_R_NOT_LOGGED_IN, "Anonymous login is disabled.");
		return;
	}
	s->state = SESS_AUTH_PASS;
	if (s->anonymous)
		session_reply(s, FTP_R_NEED_PASSWORD,
		              "Anonymous login ok, send your e-mail address as password.");
	else
		session_reply(s, FTP_R_NEED_PASSWORD, "Password required for %s.", s->user);
}

static void login_ok(struct session *s, const struct user_entry *u)
{
	const struct server_config *c = &s->srv->cfg;

	s->writable = u ? u->rw : c->anonymous == ANON_RW;
	if (u != NULL && strcmp(u->home, "/") != 0) {
		s->rootfd = jail_open_subroot(s->srv->rootfd, u->home);
		if (s->rootfd < 0) {
			s->rootfd = s->srv->rootfd;
			log_event(s, "login", "home %s of %s cannot be opened", u->home, u->name);
			s->state = SESS_AUTH_USER;
			session_reply(s, FTP_R_NOT_LOGGED_IN, "Home directory unavailable.");
			return;
		}
	}
	s->state = SESS_READY;
	s->failed_logins = 0;
	log_event(s, "login", "%s logged in (%s)", s->anonymous ? "anonymous" : s->user,
	          s->writable ? "read-write" : "read-only");
	session_reply(s, FTP_R_LOGGED_IN, "User %s logged in%s.",
	              s->anonymous ? "anonymous" : s->user, s->writable ? "" : ", read-only");
	session_touch(s);
}

void cmd_pass(struct session *s, const struct cmd_parsed *pc)
{
	const struct user_entry *u = NULL;
	struct timeval delay = {FAILED_LOGIN_DELAY_MS / 1000, (FAILED_LOGIN_DELAY_MS % 1000) * 1000};

	if (s->state == SESS_READY) {
		session_reply(s, FTP_R_LOGGED_IN, "Already logged in.");
		return;
	}
	if (s->state != SESS_AUTH_PASS) {
		session_reply(s, FTP_R_BAD_SEQUENCE, "Login with USER first.");
		return;
	}
	if (s->anonymous) {
		login_ok(s, NULL);
		return;
	}
	if (users_authenticate(&s->srv->users, s->user, pc->arg, &u)) {
		login_ok(s, u);
		return;
	}
	/* A failed login is answered after a delay, by a timer: the process
	 * goes on serving everyone else meanwhile. */
	s->failed_logins++;
	log_event(s, "login-failed", "failed login for %s (%u of %d)", s->user, s->failed_logins,
	          MAX_FAILED_LOGINS);
	s->state = SESS_LOGIN_DELAY;
	evtimer_add(s->timer, &delay);
}

void commands_login_delay_done(struct session *s)
{
	if (s->failed_logins >= MAX_FAILED_LOGINS) {
		/* Still SESS_LOGIN_DELAY while the 530 goes out, so that pipelined
		 * input (another USER/PASS) cannot run before the 421. */
		session_reply(s, FTP_R_NOT_LOGGED_IN, "Login incorrect.");
		session_shutdown(s, "Too many failed logins, closing control connection.");
		return;
	}
	s->state = SESS_AUTH_USER;
	session_reply(s, FTP_R_NOT_LOGGED_IN, "Login incorrect.");
	session_touch(s);
	session_resume(s);
}

void cmd_acct(struct session *s, const struct cmd_parsed *pc)
{
	(void)pc;
	session_reply(s, FTP_R_SUPERFLUOUS, "ACCT not needed here.");
}

void cmd_rein(struct session *s, const struct cmd_parsed *pc)
{
	(void)pc;
	xfer_abort(s, false);
	dataconn_reset(s);
	if (s->rootfd != s->srv->rootfd)
		close(s->rootfd);
	s->rootfd = s->srv->rootfd;
	free(s->user);
	free(s->rnfr);
	s->user = s->rnfr = NULL;
	free(s->cwd);
	s->cwd = strdup("/");
	if (s->cwd == NULL) {
		session_close(s, "out of memory");
		return;
	}
	s->anonymous = s->writable = s->epsv_all = false;
	s->rest = 0;
	s->type = TYPE_ASCII;
	s->state = SESS_AUTH_USER;
	session_reply(s, FTP_R_SERVICE_READY, "Session reinitialised; log in again.");
	session_touch(s);
}

void cmd_quit(struct session *s, const struct cmd_parsed *pc)
{
	(void)pc;
	session_reply(s, FTP_R_CLOSING, "Goodbye. %llu bytes in %u files received, "
	              "%llu bytes in %u files sent.",
	              (unsigned long long)s->bytes_in, s->files_in,
	              (unsigned long long)s->bytes_out, s->files_out);
	s->state = SESS_CLOSING;
	if (s->out_len == 0 && s->delayed == NULL)
		session_close(s, "client said QUIT");
}

/* RFC 7151: a host name or an address literal, before login only. */
void cmd_host(struct session *s, const struct cmd_parsed *pc)
{
	size_t n = strlen(pc->arg);

	if (s->state != SESS_AUTH_USER) {
		session_reply(s, FTP_R_BAD_SEQUENCE, "HOST must come before USER.");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char c = pc->arg[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(".-:[]", c))) {
			session_reply(s, FTP_R_ARG_SYNTAX_ERROR, "Not a host name.");
			return;
		}
	}
	session_reply(s, FTP_R_SERVICE_READY, "Host %s accepted.", pc->arg);
}
