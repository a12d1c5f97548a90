/* diag.c - the names of the analyzer's diagnostics (event.h's AN_DIAGS) and,
 * for each, one paragraph for learners: what the symptom means on the wire,
 * its usual cause and what to do. The text writer prints a paragraph after
 * the first diagnostic of its kind (--explain). */
#include "event.h"

#include <string.h>

static const char *const diag_names[AN_DIAG__COUNT] = {
#define DIAG_NAME_(name, kind) [AN_DIAG_##name] = kind,
	AN_DIAGS(DIAG_NAME_)
#undef DIAG_NAME_
};

/* One entry per kind, in AN_DIAGS order (checked by tests/test_analyzer_out.c). */
static const char *const diag_texts[AN_DIAG__COUNT] = {
	[AN_DIAG_PASV_ADDRESS_MISMATCH] =
	"The server announced in its 227 reply an address other than the one it has on the "
	"wire, so clients are sent to the wrong place. The usual cause is a server behind "
	"NAT that does not know its public address. Set it in the server (vsftpd "
	"pasv_address, ProFTPD MasqueradeAddress) or put an FTP ALG or proxy in front; "
	"clients that use EPSV are not affected.",
	[AN_DIAG_PORT_ADDRESS_MISMATCH] =
	"The client's PORT or EPRT names an address other than the one it has on the wire. "
	"Usually the client is behind NAT without an FTP ALG: the server will refuse the "
	"command or try to connect to a private address. Use passive mode, or enable an "
	"FTP ALG on the NAT. Seen between an ALG and the server, it is the ALG's rewrite.",
	[AN_DIAG_DATA_CONNECTION_FAILED] =
	"A data connection was announced but never completed: the capture shows no "
	"handshake, a SYN without an answer, or a reset. A firewall between the two ends "
	"usually drops it. Open the announced port range (the server's passive ports) or "
	"use an FTP-aware firewall. Check the announced address first.",
	[AN_DIAG_DATA_REFUSED] =
	"The server answered a transfer with 425 (cannot open the data connection) or 426 "
	"(connection closed, transfer aborted). The data connection was blocked, reset or "
	"timed out, often by a firewall or NAT between the two ends. Look at the data "
	"connection's packets and at the address the PORT, EPRT or 227 announced.",
	[AN_DIAG_BOUNCE_ATTEMPT] =
	"A PORT or EPRT named a host other than the client itself, or a privileged port: "
	"the FTP bounce attack of RFC 2577, which uses the server to reach a third host. "
	"Servers should refuse such commands (vsftpd does unless port_promiscuous). Find "
	"out who sent it; a proxy's own address can look like this.",
	[AN_DIAG_CLEARTEXT_CREDENTIALS] =
	"A user name and password crossed the network in clear text, readable by anyone "
	"who can capture the traffic, as this capture shows. FTP sends them unencrypted "
	"unless TLS is used. Use FTPS (AUTH TLS) or SFTP, and change a password that was "
	"seen here.",
	[AN_DIAG_SLOW_REPLY] =
	"The server took unusually long to answer a command. Typical causes are a reverse "
	"DNS lookup of the client at login, a busy or slow file system, or a deliberate "
	"delay after a failed login. Compare the reply times of other commands; disable "
	"reverse lookups on the server (vsftpd reverse_lookup_enable=NO) if it is the login.",
	[AN_DIAG_MALFORMED_REPLY] =
	"A line from the server is not a valid FTP reply: the code is not three digits, or "
	"no space or dash follows it (Zeek's weird.log reports the same). The peer may be "
	"no FTP server, a broken one, or a middlebox that rewrote the line. The analyzer "
	"keeps going; look at the raw bytes of the line.",
	[AN_DIAG_MALFORMED_COMMAND] =
	"A line from the client is not a valid FTP command: the verb is empty, too long or "
	"not made of letters, or the line holds a NUL byte. It can be a broken client, a "
	"scanner or an attack probe. Servers answer such lines with 500; look at who sent "
	"it and what followed.",
	[AN_DIAG_UNSOLICITED_REPLY] =
	"The server sent a reply when no command was waiting for one. The capture may have "
	"missed the command (it started late or lost packets), or the server sent an extra "
	"reply, such as a second 226 or a 421 before closing. Check the capture for gaps "
	"first.",
	[AN_DIAG_TRUNCATED_TRANSFER] =
	"A transfer carried fewer bytes than announced (SIZE or \"150 ... (N bytes)\"), or "
	"its connection ended without a FIN. The connection was reset or timed out, or the "
	"capture missed its end. Compare the byte count with the announced size and check "
	"the final reply; retry or resume with REST.",
	[AN_DIAG_CONTENT_GAP] =
	"The capture missed bytes of this stream: the TCP sequence numbers jump over data "
	"that was never seen. Usually packets were lost at the capture point (a busy "
	"interface or a full buffer), the snaplen cut packets short, or the capture "
	"started or stopped in the middle. Capture closer to a host or with a larger buffer.",
	[AN_DIAG_NOT_FTP] =
	"A stream on an FTP port does not look like FTP: no 3-digit replies and no FTP "
	"commands. Another service may run on the port, or it is a scan or a tunnel. The "
	"analyzer does not decode it further; look at its first bytes to see what it is.",
	[AN_DIAG_ENCRYPTED] =
	"The server accepted AUTH TLS (234), so the rest of the control channel is TLS and "
	"cannot be decoded from a capture. Data connections are not followed either. This "
	"is good for security; to study the protocol, use a test server without TLS or the "
	"client's own debug log.",
};

const char *an_diag_name(enum an_diag_kind k)
{
	if ((unsigned)k >= AN_DIAG__COUNT)
		return "unknown";
	return diag_names[k];
}

const char *an_diag_explain(enum an_diag_kind k)
{
	if ((unsigned)k >= AN_DIAG__COUNT || diag_texts[k] == NULL)
		return "";
	return diag_texts[k];
}

enum an_diag_kind an_diag_lookup(const char *name)
{
	if (name == NULL)
		return AN_DIAG__COUNT;
	for (unsigned k = 0; k < AN_DIAG__COUNT; k++) {
		if (strcmp(diag_names[k], name) == 0)
			return (enum an_diag_kind)k;
	}
	return AN_DIAG__COUNT;
}
