/* commands.h - the command dispatcher and every command handler.
 *
 * commands.c holds the one table from enum ftp_cmd to handler; a verb the
 * library knows but that has no handler here is answered 502. Handlers get
 * a parsed command whose argument is NUL-terminated.
 */
#ifndef FTPLAB_SERVER_COMMANDS_H
#define FTPLAB_SERVER_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

#include "ftplab/cmd.h"
#include "ftplab/vpath.h"

struct session;

void commands_banner(struct session *s);
void commands_line(struct session *s, const char *line, size_t len, unsigned lb_flags);
void commands_overlong(struct session *s, size_t max);
void commands_login_delay_done(struct session *s);

/* Resolve a path argument against the cwd into out (VPATH_MAX + 1 bytes);
 * on failure the reply is sent and -1 returned. */
int commands_path(struct session *s, const char *arg, char *out);
/* False (and 550 sent) when the session may not modify files. */
bool commands_writable(struct session *s);
/* Reply for a failed file-system call, from errno. */
void commands_fs_error(struct session *s, const char *what);

#define HANDLER(name) void cmd_##name(struct session *s, const struct cmd_parsed *pc)
/* cmd_login.c */
HANDLER(user); HANDLER(pass); HANDLER(acct); HANDLER(rein); HANDLER(quit); HANDLER(host);
/* cmd_fs.c */
HANDLER(cwd); HANDLER(cdup); HANDLER(pwd); HANDLER(mkd); HANDLER(rmd); HANDLER(dele);
HANDLER(rnfr); HANDLER(rnto); HANDLER(size); HANDLER(mdtm); HANDLER(mfmt); HANDLER(site);
/* cmd_info.c */
HANDLER(syst); HANDLER(feat); HANDLER(opts); HANDLER(help); HANDLER(noop); HANDLER(stat);
HANDLER(type); HANDLER(mode); HANDLER(stru); HANDLER(allo); HANDLER(mlst);
/* cmd_data.c */
HANDLER(port); HANDLER(eprt); HANDLER(pasv); HANDLER(epsv);
/* cmd_xfer.c */
HANDLER(retr); HANDLER(stor); HANDLER(stou); HANDLER(appe); HANDLER(rest); HANDLER(abor);
HANDLER(list); HANDLER(nlst); HANDLER(mlsd);
#undef HANDLER

#endif
