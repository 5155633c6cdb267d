/* SPDX-License-Identifier: MIT */
/*
 * tcc status codes.  Every libtccml call that can fail returns a tcc_status;
 * the detail of the most recent failure on the calling thread is available
 * from tcc_last_error() (like errno + strerror, but with a specific message,
 * e.g. "node 'Conv_3' (Conv): input 1 has rank 3, expected 4").
 */
#ifndef TCC_STATUS_H
#define TCC_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tcc_status {
	TCC_OK = 0,
	TCC_ERR_INVALID_ARG,	/* bad argument from the caller */
	TCC_ERR_NO_MEMORY,	/* allocation or a memory limit */
	TCC_ERR_IO,		/* read/write/socket failure */
	TCC_ERR_PARSE,		/* malformed input file or message */
	TCC_ERR_UNSUPPORTED,	/* valid but not implemented (op, dtype, opset) */
	TCC_ERR_NOT_FOUND,	/* no such name, key, file or device */
	TCC_ERR_EXISTS,		/* name already taken */
	TCC_ERR_PERMISSION,	/* access denied */
	TCC_ERR_TIMEOUT,	/* deadline passed */
	TCC_ERR_BUSY,		/* resource in use */
	TCC_ERR_NO_DEVICE,	/* tcc.ko not loaded / no render node */
	TCC_ERR_CLOSED,		/* peer or handle gone */
	TCC_ERR_COMPILE,	/* generated code failed to compile or load */
	TCC_ERR_INTERNAL,	/* a bug in tcc */
} tcc_status;

/* Short constant name of a status, e.g. "TCC_ERR_PARSE". */
const char *tcc_status_str(tcc_status status);

/*
 * Message of the last failure on this thread ("" if none).  Valid until the
 * next failing call on the same thread.
 */
const char *tcc_last_error(void);

#ifdef __cplusplus
}
#endif
#endif /* TCC_STATUS_H */
