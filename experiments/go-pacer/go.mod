module gclox/gopacer

go 1.19
