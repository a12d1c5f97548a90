/* listfmt.h - the text of directory listings and file times.
 *
 *   LIST   "drwxr-xr-x    2 ftp      ftp          4096 Nov 26 04:12 name\r\n"
 *          (vsftpd's layout with hide_ids: owner and group are "ftp")
 *   MLSx   "type=file;size=123;modify=20261126041200;perm=r;unique=803g1b2; name\r\n"
 *          (RFC 3659 7; MLST sends the same line after one space)
 *   MDTM   "20261126041200" (RFC 3659 2.3, always UTC)
 *
 * Pure: the caller stats the file and owns the buffers. Every formatter
 * writes a NUL-terminated line and returns its length, or returns 0 and
 * leaves "" (when cap > 0) if the line and its NUL do not fit. Names are
 * written as given except CR, LF and NUL, which become '?' so that a name
 * can never end the line early.
 */
#ifndef FTPLAB_SERVER_LISTFMT_H
#define FTPLAB_SERVER_LISTFMT_H

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

/* The MLSx facts we offer, in the order they are written (RFC 3659 7.5). */
enum listfmt_fact {
	LISTFMT_FACT_TYPE = 1u << 0,
	LISTFMT_FACT_SIZE = 1u << 1,
	LISTFMT_FACT_MODIFY = 1u << 2,
	LISTFMT_FACT_PERM = 1u << 3,
	LISTFMT_FACT_UNIQUE = 1u << 4,
};
#define LISTFMT_FACTS_ALL 0x1fu

/* What the session may do to an entry; it decides the perm fact. */
enum listfmt_perm {
	LISTFMT_PERM_WRITE = 1u << 0, /* files "adfrw", dirs "cdeflmp"; else "r", "el" */
};

/* ls-style options found before the path of LIST and NLST. */
enum listfmt_opt {
	LISTFMT_OPT_ALL = 1u << 0,  /* -a: show names starting with '.' */
	LISTFMT_OPT_LONG = 1u << 1, /* -l */
};

/* Length of "YYYYMMDDHHMMSS". */
#define LISTFMT_TIME_LEN 14

/* One LIST line. The date is UTC: "Mmm dd HH:MM" if mtime is less than six
 * months (GNU ls: 15778476 s) before now and at most one hour after it,
 * else "Mmm dd  YYYY". A symlink's " -> target" is part of the name. */
size_t listfmt_ls(char *buf, size_t cap, const struct stat *st, const char *name,
                  size_t name_len, time_t now);

/* One MLSD line (or MLST's, without its leading space): the selected facts
 * (enum listfmt_fact) in fixed order, a space, the name, CRLF. perms is
 * enum listfmt_perm. type_override (NULL normally) replaces the type value,
 * e.g. "cdir" or "pdir". size is given for everything but directories;
 * modify is left out for a time outside years 0..9999. */
size_t listfmt_mlsx(char *buf, size_t cap, const struct stat *st, const char *name,
                    size_t name_len, unsigned facts, unsigned perms, const char *type_override);

/* The fact list of "OPTS MLST <list>" (the text after "MLST ", n == 0 for
 * none): names separated by ';', any case, blanks around them ignored,
 * unknown names ignored (RFC 3659 7.9). Sets *facts; -1 (and *facts unset)
 * if the text holds a NUL, CR or LF. */
int listfmt_parse_opts_mlst(const char *arg, size_t n, unsigned *facts);
/* The FEAT line body "MLST type*;size*;modify*;perm*;unique*;" with '*' on
 * the selected facts (the caller adds FEAT's leading space). */
size_t listfmt_feat_mlst(char *buf, size_t cap, unsigned facts);
/* The 200 reply text "MLST OPTS type;size;" ("MLST OPTS" when none). */
size_t listfmt_opts_mlst_reply(char *buf, size_t cap, unsigned facts);

/* "YYYYMMDDHHMMSS" in UTC; 0 for a year outside 0..9999. */
size_t listfmt_mdtm(char *buf, size_t cap, time_t t);
/* RFC 3659 time-val "YYYYMMDDHHMMSS[.fraction]" (UTC; the fraction is
 * dropped) into seconds since the epoch. Every field is range-checked
 * (a leap second 60 counts into the next minute). 0, or -1 if invalid. */
int listfmt_parse_time(const char *p, size_t n, time_t *out);

/* Split the argument of LIST or NLST: leading words "-x..." made only of
 * GNU ls option letters are options (a and l are recorded in *flags, enum
 * listfmt_opt; the others are ignored); the rest, after the blanks before
 * it, is the path (*path_len may be 0). A word with any other byte after
 * its '-' starts the path: "-my file" is a path ('y' is no ls option). */
void listfmt_split_list_arg(const char *arg, size_t n, unsigned *flags, const char **path,
                            size_t *path_len);

#endif
