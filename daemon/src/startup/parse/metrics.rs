//! The `metrics { }` section: where weftd serves `/metrics`.

use super::*;

impl Builder {
    pub(super) fn metrics(&mut self, src: &Src, body: &[Token]) -> Result<(), StartupError> {
        let mut w = Words { toks: body, pos: 0 };
        let (mut listen, mut disable) = (None, None);
        while let Some(kw) = w.next() {
            match keyword(src, kw, "metrics")? {
                "listen" => {
                    let v = value(src, &mut w, kw, "metrics")?;
                    let addr = v.text.parse::<std::net::SocketAddr>().map_err(|_| {
                        src.err(
                            v.line,
                            format!(
                                "listen {}: expected <address>:<port>, e.g. 127.0.0.1:9482 or [::1]:9482",
                                v.text
                            ),
                        )
                    })?;
                    listen = Some((addr, kw.line));
                }
                "disable" => disable = Some(kw.line),
                _ => return Err(unknown_keyword(src, kw, "metrics")),
            }
        }
        match (listen, disable) {
            (Some(_), Some(line)) => Err(src.err(
                line,
                "'disable' and 'listen' together in section 'metrics': give one",
            )),
            (Some((addr, _)), None) => {
                self.conf.metrics.listen = Some(addr);
                self.conf.metrics.explicit = true;
                Ok(())
            }
            (None, Some(_)) => {
                self.conf.metrics.listen = None;
                self.conf.metrics.explicit = false;
                Ok(())
            }
            (None, None) => Ok(()),
        }
    }
}
