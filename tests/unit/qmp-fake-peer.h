/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

/* A scripted QMP peer for the client's tests, in the spirit of libvirt's qemumonitortestutils:
 * it runs in its own thread on one end of a socketpair and plays its script step by step. A
 * command the script did not expect (wrong name, or any command after the script ended), or a
 * step the client never reached, fails the test in qmp_fake_peer_finish(). */
typedef enum {
	PEER_SEND,   /* write @text; "@ID@" is replaced by the JSON id the client gave @command */
	PEER_EXPECT, /* read one command; it must be @command (records its id) */
	PEER_PAUSE,  /* sleep @ms */
	PEER_CLOSE,  /* close the connection */
} QmpFakeStepKind;

typedef struct {
	QmpFakeStepKind kind;
	const gchar *command;
	const gchar *text;
	guint ms;
} QmpFakeStep;

#define QMP_FAKE_GREETING                                                                       \
	"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "         \
	"\"package\": \"fake\"}, \"capabilities\": [\"oob\"]}}\r\n"
/* The greeting and the capability negotiation every script starts with. */
#define QMP_FAKE_HANDSHAKE                                                                      \
	{ PEER_SEND, NULL, QMP_FAKE_GREETING, 0 }, { PEER_EXPECT, "qmp_capabilities", NULL, 0 },  \
	{                                                                                       \
		PEER_SEND, "qmp_capabilities", "{\"return\": {}, \"id\": @ID@}\r\n", 0          \
	}

typedef struct _QmpFakePeer QmpFakePeer;

/* Starts the peer; *@ret_client_stream is the client's end. */
QmpFakePeer *qmp_fake_peer_new(const QmpFakeStep *steps, gsize n_steps,
			       GIOStream **ret_client_stream);
/* Waits for the peer to end (the client must have closed its end or the script closed it) and
 * asserts that every step ran and nothing unexpected arrived. */
void qmp_fake_peer_finish(QmpFakePeer *peer);
