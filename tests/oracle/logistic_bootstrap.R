# Oracle for the percentile bootstrap of logistic moderation (tests/test_moderation_cli.py):
# glm(binomial) and a case-resampling bootstrap written here from scratch.
# Run from the repository root:  Rscript tests/oracle/logistic_bootstrap.R
# Data: tests/oracle/logistic_bootstrap_data.csv (simulated for this test; columns y (0/1), x,
# w, c; generated with logit P(y = 1) = -0.5 + 0.6x + 0.2w + 0.3xw + 0.4c).
suppressPackageStartupMessages(library(jsonlite))
d <- read.csv("tests/oracle/logistic_bootstrap_data.csv")
B <- 4000
alpha <- 0.05
probes <- unname(quantile(d$w, c(0.16, 0.50, 0.84), type = 6))  # (n + 1)p, as PROCESS
fit <- function(data) glm(y ~ x + w + x:w + c, family = binomial, data = data)
effects <- function(b) unname(b["x"] + b["x:w"] * probes)  # log-odds scale
full <- fit(d)
set.seed(20261202)
failed <- 0
boot <- t(replicate(B, {
  s <- d[sample.int(nrow(d), replace = TRUE), ]
  f <- suppressWarnings(fit(s))
  if (!f$converged) {
    failed <<- failed + 1
    rep(NA_real_, length(probes))
  } else {
    effects(coef(f))
  }
}))
boot <- boot[complete.cases(boot), , drop = FALSE]
out <- list(
  R_version = R.version.string,
  B = B,
  failed = failed,
  probes = probes,
  coefficients = as.list(coef(full)),
  estimate = effects(coef(full)),
  boot_se = apply(boot, 2, sd),
  boot_ci_low = apply(boot, 2, quantile, probs = alpha / 2, type = 7, names = FALSE),
  boot_ci_high = apply(boot, 2, quantile, probs = 1 - alpha / 2, type = 7, names = FALSE)
)
write_json(out, "tests/oracle/logistic_bootstrap.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
