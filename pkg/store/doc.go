// Package store fetches a policy bundle from where SUBGATE_POLICY_URL points: an object in Amazon
// S3 or an S3-compatible store such as Tencent COS (s3://BUCKET/KEY), or any https:// URL. Each
// fetch is one conditional GET: it sends If-None-Match with the ETag of the bundle it has, and a
// 304 Not Modified answer is "unchanged", with no body. It is bounded by the caller's context and
// by a size limit (Settings.MaxSize; 256 MiB, the bundle format's, by default): the body is read
// into memory that grows with what arrives, never sized by the Content-Length the store announces,
// and no further than one byte past the limit. It fails with one of a few kinds of error
// (ErrUnreachable, ErrTimeout, ErrForbidden, ErrNotFound, ErrServer, ErrTooBig, ErrUnexpected,
// ErrNoCredentials) whose message names the location but never credentials: not the keys, not a
// URL's user or password, not its query string (a presigned URL's signature is one). It does not
// retry: whoever calls it fetches again at the next refresh.
//
// # s3:// locations
//
// Requests are signed with AWS Signature Version 4 by github.com/aws/smithy-go/aws-http-auth (the
// AWS SDK's signer as a module of its own, without the SDK's endpoint tables, retries and
// credential chain, which cost a function 4-9 MB and 1.5 ms of cold start; see the commit that
// added it). The credentials come from Settings.Credentials at each fetch; EnvCredentials reads
// them the way Lambda and SCF hand a function its role's temporary keys.
//
// Without an endpoint the store is Amazon S3 in Settings.Region (s3.REGION.amazonaws.com, or
// .amazonaws.com.cn for cn- regions). With one (for COS, https://cos.REGION.myqcloud.com, the
// bucket named NAME-APPID), requests go to that store. The bucket goes in the host name
// (virtual-hosted addressing, https://BUCKET.ENDPOINT/KEY) unless Settings.PathStyle puts it in the
// path (https://ENDPOINT/BUCKET/KEY): COS refuses path-style requests to buckets created since
// 2024-01-01, and Amazon S3 prefers virtual-hosted ones; some other stores (MinIO by default,
// versitygw) need path-style. A bucket name with a dot needs path-style over https, as a
// certificate for *.ENDPOINT does not match BUCKET.WITH.DOTS.ENDPOINT.
//
// The endpoint must be https://, except on a loopback host (tests, a sidecar), as with the forward
// URL: what the function fetches decides who may subscribe.
//
// # https:// locations
//
// A plain GET with If-None-Match, for a bundle served some other way (a CDN, a web server, a
// presigned URL). http:// is refused except to a loopback host, and so is a redirect to it.
package store
