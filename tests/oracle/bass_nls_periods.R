# Reference values for the Bass model fitted by nonlinear least squares, from R's
# minpack.lm::nlsLM (Levenberg-Marquardt) with tight tolerances, on datasets of our own
# (data/bass_yearly.csv: 12 yearly periods; data/bass_halfyear.csv: 20 half-year periods,
# true m = 300, p = 0.03, q = 0.38 per year).
#
# Re-run from the repository root:  Rscript tests/oracle/bass_nls_periods.R
# It rewrites tests/oracle/bass_nls_periods.csv, which tests/oracle/test_bass_nls.py compares with.
suppressPackageStartupMessages(library(minpack.lm))
here <- "tests/oracle"
F <- function(t, p, q) (1 - exp(-(p + q) * t)) / (1 + (q / p) * exp(-(p + q) * t))
f <- function(t, p, q) ((p + q)^2 / p) * exp(-(p + q) * t) / (1 + (q / p) * exp(-(p + q) * t))^2
control <- nls.lm.control(ftol = 1e-15, ptol = 1e-15, gtol = 0, maxiter = 1000, maxfev = 100000)

fit_one <- function(name, y, start_t, end_t, form) {
  d <- data.frame(y = y, ts = start_t, te = end_t, len = end_t - start_t)
  formula <- if (form == "interval") {
    y ~ m * (F(te, p, q) - F(ts, p, q))
  } else {
    y ~ len * m * f(te, p, q)
  }
  fit <- nlsLM(formula, data = d, start = list(m = 1.5 * sum(y), p = 0.01, q = 0.4),
               control = control)
  # Polish once more from the optimum, so the reported minimum is R's best.
  fit <- nlsLM(formula, data = d, start = as.list(coef(fit)), control = control)
  s <- summary(fit)$coefficients
  data.frame(dataset = name, form = form, parameter = rownames(s),
             estimate = sprintf("%.15g", s[, 1]), std_error = sprintf("%.15g", s[, 2]),
             rss = sprintf("%.15g", deviance(fit)), df_resid = df.residual(fit))
}

yearly <- read.csv(file.path(here, "data/bass_yearly.csv"))
half <- read.csv(file.path(here, "data/bass_halfyear.csv"))
n_y <- nrow(yearly)
out <- rbind(
  # periods 1..12 (equivalently calendar years 2001..2012 starting in 2000)
  fit_one("yearly", yearly$adoptions, 0:(n_y - 1), 1:n_y, "interval"),
  fit_one("yearly", yearly$adoptions, 0:(n_y - 1), 1:n_y, "density"),
  # the first 8 years only: a short series where default tolerances stop early
  fit_one("yearly_first8", yearly$adoptions[1:8], 0:7, 1:8, "interval"),
  # half-year periods on a clock in years: the first period runs from 0 to 0.5
  fit_one("halfyear", half$adoptions, c(0, head(half$period_end, -1)), half$period_end,
          "interval"),
  fit_one("halfyear", half$adoptions, c(0, head(half$period_end, -1)), half$period_end,
          "density")
)
write.csv(out, file.path(here, "bass_nls_periods.csv"), row.names = FALSE, quote = FALSE)
cat(sprintf("R %s, minpack.lm %s\n", getRversion(), packageVersion("minpack.lm")),
    file = file.path(here, "bass_nls_periods.version"))
