module gclox/leakstudy

go 1.19
