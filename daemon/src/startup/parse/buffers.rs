//! The `buffers { }` section.

use super::*;

impl Builder {
    pub(super) fn buffers(&mut self, src: &Src, body: &[Token]) -> Result<(), StartupError> {
        let mut w = Words { toks: body, pos: 0 };
        while let Some(kw) = w.next() {
            match keyword(src, kw, "buffers")? {
                "buffers-per-numa" => {
                    let v = value(src, &mut w, kw, "buffers")?;
                    let n = match parse_decimal(&v.text) {
                        Some(n) => n,
                        None => return Err(expected_number(src, kw, v)),
                    };
                    if n == 0 || n > u64::from(pool::MAX_BUFFERS) {
                        return Err(src.err(
                            v.line,
                            format!(
                                "buffers-per-numa {n}: must be between 1 and {} (weft's buffer index is 20 bits)",
                                pool::MAX_BUFFERS
                            ),
                        ));
                    }
                    self.conf.buffers.buffers_per_numa = n as u32;
                }
                "page-size" => {
                    let v = value(src, &mut w, kw, "buffers")?;
                    self.conf.buffers.page_size =
                        page_size(&v.text).map_err(|m| src.err(v.line, m))?;
                }
                "default" => {
                    let data_size = match w.next() {
                        Some(t) if !t.brace && t.text == "data-size" => t,
                        _ => {
                            return Err(src.err(
                                kw.line,
                                "'default' in section 'buffers' must be followed by 'data-size <n>'",
                            ));
                        }
                    };
                    let v = value(src, &mut w, data_size, "buffers")?;
                    let n = match parse_decimal(&v.text) {
                        Some(n) => n,
                        None => {
                            return Err(src.err(
                                v.line,
                                format!("'default data-size' expects a number, got '{}'", v.text),
                            ));
                        }
                    };
                    if n < u64::from(MIN_DATA_SIZE) || n > u64::from(MAX_DATA_SIZE) {
                        return Err(src.err(
                            v.line,
                            format!(
                                "data-size {n} is out of range: weft's buffers are AF_XDP frames of 2048 \
                                 or 4096 bytes holding {} bytes of headroom plus the data, so data-size \
                                 must be between {MIN_DATA_SIZE} and {MAX_DATA_SIZE}",
                                pool::DEFAULT_HEADROOM
                            ),
                        ));
                    }
                    self.conf.buffers.data_size = n as u32;
                }
                "layout" => {
                    let v = value(src, &mut w, kw, "buffers")?;
                    if !matches!(v.text.as_str(), "natural" | "packed") {
                        return Err(src.err(
                            v.line,
                            format!("layout {}: expected natural or packed", v.text),
                        ));
                    }
                    self.conf.warnings.push(src.warning(
                        kw.line,
                        format!(
                            "ignoring 'layout {}': weft's buffer metadata is always kept apart from the frames",
                            v.text
                        ),
                    ));
                }
                "numa" => {
                    return Err(src.err(
                        kw.line,
                        "per-NUMA buffer counts are not supported: weft has one buffer pool; use \
                         'buffers-per-numa <n>'",
                    ));
                }
                _ => return Err(unknown_keyword(src, kw, "buffers")),
            }
        }
        Ok(())
    }
}

/// `page-size`: VPP's values mapped onto weft's page policies.
fn page_size(s: &str) -> Result<PageSize, String> {
    match s {
        "default" => return Ok(PageSize::Normal),
        "default-hugepage" => return Ok(PageSize::Huge),
        _ => {}
    }
    match parse_memory_size(s) {
        Some(4096) => Ok(PageSize::Normal),
        Some(0x20_0000) => Ok(PageSize::Huge),
        Some(_) => Err(format!(
            "page-size {s} is not supported: weft uses 4K pages or 2M hugepages"
        )),
        None => Err(format!(
            "page-size {s}: expected 4K, 2M, default or default-hugepage"
        )),
    }
}
