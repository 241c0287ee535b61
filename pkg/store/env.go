package store

import (
	"errors"
	"fmt"
)

// The variables EnvCredentials reads.
const (
	EnvAWSAccessKeyID     = "AWS_ACCESS_KEY_ID"
	EnvAWSSecretAccessKey = "AWS_SECRET_ACCESS_KEY"
	EnvAWSSessionToken    = "AWS_SESSION_TOKEN"
	EnvTencentSecretID    = "TENCENTCLOUD_SECRETID"
	EnvTencentSecretKey   = "TENCENTCLOUD_SECRETKEY"
	EnvTencentToken       = "TENCENTCLOUD_SESSIONTOKEN"
)

// EnvCredentials returns a Credentials function that reads the keys from the environment through
// getenv each time it is called, as each cloud hands a function its role's temporary keys:
//
//   - AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN: Lambda sets them from the
//     function's execution role (and they serve anywhere else the keys are in the environment).
//   - Else TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY and TENCENTCLOUD_SESSIONTOKEN: SCF sets
//     them from the function's role, in the environment of each invoke request, which scf-go-lib
//     copies into the process's (os.Setenv) before calling the handler. Temporary keys expire and
//     are replaced, so they are read at every fetch, never kept.
//
// An empty session token counts as none (the Lambda emulator sets AWS_SESSION_TOKEN to ""; a
// variable set at an earlier invocation stays set). A key id without its secret is an error, and
// so is no key id at all.
func EnvCredentials(getenv func(string) string) func() (Credentials, error) {
	return func() (Credentials, error) {
		for _, vars := range [][3]string{
			{EnvAWSAccessKeyID, EnvAWSSecretAccessKey, EnvAWSSessionToken},
			{EnvTencentSecretID, EnvTencentSecretKey, EnvTencentToken},
		} {
			id := getenv(vars[0])
			if id == "" {
				continue
			}
			secret := getenv(vars[1])
			if secret == "" {
				return Credentials{}, fmt.Errorf("%s is set but %s is not", vars[0], vars[1])
			}
			return Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: getenv(vars[2])}, nil
		}
		return Credentials{}, errors.New("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (on Lambda, the function's role sets them), " +
			"or give the SCF function a role that may read the bundle (SCF then sets TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY " +
			"and TENCENTCLOUD_SESSIONTOKEN)")
	}
}
