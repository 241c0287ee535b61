module github.com/subgate/subgate

go 1.26

require (
	github.com/aws/aws-lambda-go v1.55.1
	github.com/aws/smithy-go/aws-http-auth v1.2.2
	github.com/stretchr/testify v1.12.1
	github.com/tencentyun/scf-go-lib v0.0.0-20230904103145-13c9a7eeca80
	go.yaml.in/yaml/v3 v3.0.6
)
