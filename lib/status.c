/* status.c - names of libftplab status codes. */
#include "ftplab/status.h"

const char *ftp_status_str(enum ftp_status st)
{
	switch (st) {
	case FTP_OK:       return "ok";
	case FTP_ESYNTAX:  return "syntax error";
	case FTP_ERANGE:   return "value out of range";
	case FTP_EFAMILY:  return "unsupported network protocol family";
	case FTP_ENUL:     return "embedded NUL byte";
	case FTP_ETOOLONG: return "too long";
	case FTP_ENOSPACE: return "output buffer too small";
	case FTP_EEMPTY:   return "empty";
	}
	return "unknown status";
}
