/* status.h - the one status vocabulary of libftplab's pure functions. */
#ifndef FTPLAB_STATUS_H
#define FTPLAB_STATUS_H

enum ftp_status {
	FTP_OK = 0,
	FTP_ESYNTAX,   /* input does not have the expected shape */
	FTP_ERANGE,    /* a number is out of its range (octet > 255, port 0 or > 65535) */
	FTP_EFAMILY,   /* a network protocol family we do not support (RFC 2428: 522) */
	FTP_ENUL,      /* an embedded NUL byte */
	FTP_ETOOLONG,  /* input or result longer than the bound */
	FTP_ENOSPACE,  /* the caller's output buffer is too small */
	FTP_EEMPTY,    /* required input is empty */
};

/* A short, constant, human-readable name for a status ("syntax error", ...). */
const char *ftp_status_str(enum ftp_status st);

#endif
